#!/usr/bin/env bash
# The table tour: generate a few days of orders, then create, append, overwrite a partition,
# delete, time travel, restore and checkpoint a Delta table with the silt binary.
set -euo pipefail
silt="${1:-build/silt}"
silt="$(cd "$(dirname "$silt")" && pwd)/$(basename "$silt")"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$here/output"
rm -rf "$work"
mkdir -p "$work/landing/orders"
cd "$work"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ silt %s\n' "$*"; "$silt" "$@"; }

step "generate three days of landing files (CSV) with DuckDB through silt sql"
for day in 1 2 3; do
  "$silt" sql "COPY (
      SELECT (${day} * 100000 + i) AS order_id,
             round(10 + (hash(i * ${day}) % 50000) / 100.0, 2) AS amount,
             (['PLACED','PAID','SHIPPED','CANCELLED'])[1 + (hash(i + ${day}) % 4)::INT] AS status,
             DATE '2025-11-0${day}' AS order_date
      FROM range(2000) t(i))
    TO 'landing/orders/2025-11-0${day}.csv' (HEADER)" >/dev/null
done
ls landing/orders

step "create a partitioned table"
run table create ./lake/orders \
  --schema "order_id BIGINT NOT NULL, amount DECIMAL(12,2), status VARCHAR, order_date DATE" \
  --partition-by order_date

step "append every landing file"
run table write ./lake/orders --input 'landing/orders/*.csv'

step "replace one day's partition (a corrected extract)"
run table write ./lake/orders --mode overwrite --replace-where "order_date = DATE '2025-11-03'" \
  --query "SELECT order_id, amount * 2 AS amount, status, order_date FROM read_csv('landing/orders/2025-11-03.csv')"

step "delete cancelled orders (only files holding them are rewritten)"
run table delete ./lake/orders --where "status = 'CANCELLED'"

step "query the latest version and an older one side by side"
run sql --table orders=./lake/orders --table before=./lake/orders@1 \
  "SELECT o.order_date, count(*) AS orders_now, sum(o.amount) AS revenue_now,
          (SELECT count(*) FROM before b WHERE b.order_date = o.order_date) AS orders_at_v1
   FROM orders o GROUP BY ALL ORDER BY 1"

step "history"
run table history ./lake/orders

step "restore version 1, then checkpoint"
run table restore ./lake/orders --version 1
run table checkpoint ./lake/orders
run table info ./lake/orders

step "revenue by status as CSV, for scripts"
run sql --table orders=./lake/orders --format csv "SELECT status, count(*) AS n, sum(amount) AS revenue FROM orders GROUP BY ALL ORDER BY 1"
printf '\nThe table is an ordinary Delta Lake table: %s/lake/orders\n' "$work"
