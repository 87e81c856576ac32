-- The expected contents of gold.fact_orders per order date, computed straight from the landing
-- files with plain DuckDB, independently of the models: for every order the latest event (exact
-- duplicates dropped), converted with the latest published rate of its order date and currency.
-- Compare with the output of check_gold.sql (same columns, same order) once every file has been
-- ingested by a run whose window covers the last corrections. @LANDING@ is the landing directory:
--
--   sed "s|@LANDING@|$PWD/landing|g" check_reference.sql | silt sql --file - --format csv
--
WITH events AS (
    SELECT DISTINCT order_id, order_date, event_ts, status, currency, amount
    FROM read_csv('@LANDING@/orders/*.csv', header = true,
                  types = {'order_id': 'BIGINT', 'order_date': 'DATE', 'event_ts': 'TIMESTAMP',
                           'amount': 'DECIMAL(12,2)'})
),
orders AS (
    SELECT
        order_id,
        any_value(order_date)        AS order_date,
        count(*)                     AS events,
        arg_max(status, event_ts)    AS status,
        arg_max(currency, event_ts)  AS currency,
        arg_max(amount, event_ts)    AS amount
    FROM events
    GROUP BY order_id
),
rates AS (
    SELECT as_of_date, ccy, arg_max(rate_to_base, published_at) AS rate_to_base
    FROM read_parquet('@LANDING@/fx_rates/*.parquet')
    GROUP BY as_of_date, ccy
),
priced AS (
    SELECT o.*, CAST(o.amount * r.rate_to_base AS DECIMAL(18,2)) AS amount_usd
    FROM orders o
    LEFT JOIN rates r ON r.as_of_date = o.order_date AND r.ccy = o.currency
)
SELECT
    order_date,
    count(*)                                              AS orders,
    count(*) FILTER (WHERE events > 1)                    AS corrected_orders,
    count(*) FILTER (WHERE status = 'CANCELLED')          AS cancelled_orders,
    sum(amount_usd)                                       AS amount_usd,
    sum(amount_usd) FILTER (WHERE status <> 'CANCELLED')  AS revenue_usd
FROM priced
GROUP BY order_date
ORDER BY order_date
