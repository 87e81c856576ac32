/* silt:
materialized: table
description: Current customers with their history summary and CRM account attributes.
owner: analytics
tags: [gold, customers]
*/
WITH history AS (
    SELECT customer_id, min(valid_from) AS first_seen_at, count(*) AS versions
    FROM silver.customers
    GROUP BY customer_id
),
open_leads AS (
    SELECT account_id, count(*) AS open_leads, sum(estimated_value) AS open_pipeline
    FROM silver.crm_leads
    WHERE status NOT IN ('CONVERTED', 'LOST')
    GROUP BY account_id
)
SELECT
    c.customer_id,
    c.name,
    c.email,
    c.country,
    c.segment,
    c.valid_from                   AS current_since,
    h.first_seen_at,
    h.versions,
    a.account_id,
    a.account_name,
    a.industry,
    a.owner                        AS account_owner,
    coalesce(l.open_leads, 0)      AS open_leads,
    coalesce(l.open_pipeline, 0)   AS open_pipeline
FROM silver.customers c
JOIN history h USING (customer_id)
LEFT JOIN silver.crm_accounts a ON a.customer_id = c.customer_id
LEFT JOIN open_leads l ON l.account_id = a.account_id
WHERE c.is_current
