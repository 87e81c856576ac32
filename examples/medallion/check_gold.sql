-- The figures check_reference.sql computes from the landing files, read from gold.fact_orders:
--
--   silt sql --project examples/medallion --file examples/medallion/check_gold.sql --format csv
--
SELECT
    order_date,
    count(*)                                              AS orders,
    count(*) FILTER (WHERE is_corrected)                  AS corrected_orders,
    count(*) FILTER (WHERE status = 'CANCELLED')          AS cancelled_orders,
    sum(amount_usd)                                       AS amount_usd,
    sum(amount_usd) FILTER (WHERE status <> 'CANCELLED')  AS revenue_usd
FROM gold.fact_orders
GROUP BY order_date
ORDER BY order_date
