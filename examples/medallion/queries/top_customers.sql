-- The 10 customers with the most revenue in USD (cancelled orders excluded), with their current
-- attributes and CRM account.
SELECT
    f.customer_id,
    d.name,
    d.segment,
    d.country,
    d.account_name,
    count(*)          AS orders,
    sum(f.amount_usd) AS revenue_usd
FROM gold.fact_orders f
LEFT JOIN gold.dim_customers d USING (customer_id)
WHERE f.status <> 'CANCELLED'
GROUP BY f.customer_id, d.name, d.segment, d.country, d.account_name
ORDER BY revenue_usd DESC, f.customer_id
LIMIT 10
