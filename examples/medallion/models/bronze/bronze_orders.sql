/* silt:
materialized: append
partition_by: [order_date]
description: Order events exactly as delivered, exact duplicates and late corrections included.
owner: data-platform
tags: [bronze, orders]
*/
-- One row per line of the orders files. Only the types are pinned here, so a file whose values
-- sniff differently (e.g. only whole-number amounts) still lands with the table's schema.
SELECT
    CAST(order_id AS BIGINT)      AS order_id,
    CAST(customer_id AS BIGINT)   AS customer_id,
    CAST(order_date AS DATE)      AS order_date,
    CAST(event_ts AS TIMESTAMP)   AS event_ts,
    CAST(status AS VARCHAR)       AS status,
    CAST(currency AS VARCHAR)     AS currency,
    CAST(amount AS DECIMAL(12,2)) AS amount,
    _source_file,
    _ingested_at
FROM source.orders
