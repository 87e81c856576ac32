-- Revenue per order date and currency, in the order currency and in USD, with a USD total per day.
-- Orders count in their latest state (late corrections applied); cancelled orders are excluded.
SELECT
    order_date,
    coalesce(currency, 'ALL')                                  AS currency,
    count(*)                                                   AS orders,
    CASE WHEN grouping(currency) = 0 THEN sum(amount) END      AS revenue,
    sum(amount_usd)                                            AS revenue_usd
FROM gold.fact_orders
WHERE status <> 'CANCELLED'
GROUP BY GROUPING SETS ((order_date, currency), (order_date))
ORDER BY order_date, grouping(currency), revenue_usd DESC
