/* silt:
materialized: merge
unique_key: account_id
description: Current state of every CRM account (latest record per account).
owner: sales-ops
tags: [silver, crm]
*/
SELECT
    account_id,
    account_name,
    industry,
    country,
    owner,
    customer_id,
    updated_at
FROM bronze.crm_accounts
QUALIFY row_number() OVER (PARTITION BY account_id ORDER BY updated_at DESC, _ingested_at DESC) = 1
