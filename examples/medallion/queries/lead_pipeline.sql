-- The CRM pipeline: leads and their estimated value by account industry and lead status.
SELECT
    a.industry,
    l.status,
    count(*)               AS leads,
    sum(l.estimated_value) AS estimated_value
FROM silver.crm_leads l
LEFT JOIN silver.crm_accounts a USING (account_id)
GROUP BY a.industry, l.status
ORDER BY a.industry, l.status
