/* silt:
materialized: append
description: CRM account records as exported (new and changed accounts), typed.
owner: sales-ops
tags: [bronze, crm]
*/
SELECT
    CAST(account_id AS BIGINT)    AS account_id,
    CAST(account_name AS VARCHAR) AS account_name,
    CAST(industry AS VARCHAR)     AS industry,
    CAST(country AS VARCHAR)      AS country,
    CAST(owner AS VARCHAR)        AS owner,
    CAST(customer_id AS BIGINT)   AS customer_id,
    CAST(updated_at AS TIMESTAMP) AS updated_at,
    _source_file,
    _ingested_at
FROM source.crm_accounts
