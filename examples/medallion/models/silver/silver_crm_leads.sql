/* silt:
materialized: merge
unique_key: lead_id
description: Current status of every CRM lead (latest record per lead).
owner: sales-ops
tags: [silver, crm]
*/
SELECT
    lead_id,
    account_id,
    status,
    lead_source,
    estimated_value,
    created_date,
    updated_at
FROM bronze.crm_leads
QUALIFY row_number() OVER (PARTITION BY lead_id ORDER BY updated_at DESC, _ingested_at DESC) = 1
