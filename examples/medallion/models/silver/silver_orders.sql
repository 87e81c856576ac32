/* silt:
materialized: incremental
unique_key: [order_id, event_ts]
time_column: order_date
lookback: 3
partition_by: [order_date]
description: Every order event once (exact duplicates and re-delivered files removed), by order date.
owner: data-platform
tags: [silver, orders]
*/
-- An order can have several events: the original one and late corrections sent up to two days
-- later with a later event_ts. All of them are kept here (the history); gold.fact_orders picks
-- the latest. A run for day D recomputes order dates D-3..D, so corrections for those dates that
-- arrived since the last run are merged in; (order_id, event_ts) identifies an event, so running
-- a day again changes nothing.
SELECT
    order_id,
    customer_id,
    order_date,
    event_ts,
    status,
    currency,
    amount,
    _source_file,
    _ingested_at
FROM bronze.orders
WHERE order_date BETWEEN getvariable('window_start') AND getvariable('window_end')
-- Exact duplicates (same line twice in a file, or the same file delivered twice): keep the copy
-- ingested first.
QUALIFY row_number() OVER (PARTITION BY order_id, event_ts ORDER BY _ingested_at, _source_file) = 1
