/* silt:
materialized: incremental
unique_key: order_id
time_column: order_date
lookback: 3
partition_by: [order_date]
description: One row per order in its latest state (late corrections win), with the amount in USD.
owner: analytics
tags: [gold, orders]
*/
-- A run for day D recomputes order dates D-3..D from silver.orders, which covers the corrections
-- (sent two days after the order) and FX restatements (sent the next day).
WITH events AS (
    SELECT order_id, customer_id, order_date, event_ts, status, currency, amount
    FROM silver.orders
    WHERE order_date BETWEEN getvariable('window_start') AND getvariable('window_end')
),
latest AS (
    SELECT
        *,
        count(*) OVER per_order                  AS n_events,
        min(event_ts) OVER per_order             AS placed_at,
        arg_min(amount, event_ts) OVER per_order AS placed_amount
    FROM events
    WINDOW per_order AS (PARTITION BY order_id)
    QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY event_ts DESC) = 1
)
SELECT
    o.order_id,
    o.order_date,
    o.customer_id,
    o.status,
    o.currency,
    o.amount,
    fx.rate_to_base,
    CAST(o.amount * fx.rate_to_base AS DECIMAL(18,2)) AS amount_usd,
    o.placed_at,
    o.placed_amount,
    o.event_ts                                        AS updated_at,
    o.n_events,
    o.n_events > 1                                    AS is_corrected,
    -- the customer as it was when the order was placed: the SCD2 version valid at placed_at
    c.segment                                         AS customer_segment,
    c.country                                         AS customer_country
FROM latest o
LEFT JOIN silver.fx_rates fx
       ON fx.as_of_date = o.order_date AND fx.ccy = o.currency
ASOF LEFT JOIN silver.customers c
       ON c.customer_id = o.customer_id AND o.placed_at >= c.valid_from
