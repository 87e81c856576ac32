-- Late corrections: orders whose history in silver.orders has more than one event, with what
-- changed between the first and the latest event. The 100 largest relative amount changes are
-- shown; remove the LIMIT for all of them.
WITH history AS (
    SELECT
        order_id,
        order_date,
        count(*)                     AS events,
        min(event_ts)                AS first_event_ts,
        max(event_ts)                AS last_event_ts,
        arg_min(status, event_ts)    AS first_status,
        arg_max(status, event_ts)    AS last_status,
        arg_min(amount, event_ts)    AS first_amount,
        arg_max(amount, event_ts)    AS last_amount,
        any_value(currency)          AS currency
    FROM silver.orders
    GROUP BY order_id, order_date
    HAVING count(*) > 1
)
SELECT
    order_id,
    order_date,
    events,
    first_event_ts,
    last_event_ts,
    date_diff('day', first_event_ts, last_event_ts) AS days_late,
    first_status,
    last_status,
    currency,
    first_amount,
    last_amount,
    last_amount - first_amount                      AS amount_change,
    round(100 * (last_amount - first_amount) / first_amount, 1) AS amount_change_pct
FROM history
ORDER BY abs(amount_change_pct) DESC NULLS LAST, order_id
LIMIT 100
