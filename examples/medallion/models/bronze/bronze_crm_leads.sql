/* silt:
materialized: append
description: CRM lead records as exported (new leads and status changes), typed.
owner: sales-ops
tags: [bronze, crm]
*/
SELECT
    CAST(lead_id AS BIGINT)                AS lead_id,
    CAST(account_id AS BIGINT)             AS account_id,
    CAST(status AS VARCHAR)                AS status,
    CAST(lead_source AS VARCHAR)           AS lead_source,
    CAST(estimated_value AS DECIMAL(12,2)) AS estimated_value,
    CAST(created_date AS DATE)             AS created_date,
    CAST(updated_at AS TIMESTAMP)          AS updated_at,
    _source_file,
    _ingested_at
FROM source.crm_leads
