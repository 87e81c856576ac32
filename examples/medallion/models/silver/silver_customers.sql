/* silt:
materialized: snapshot
unique_key: customer_id
strategy: timestamp
updated_at: updated_at
hard_deletes: ignore
description: Customer history (SCD type 2), one version per change, valid_from = updated_at.
owner: data-platform
tags: [silver, customers]
*/
-- The current state of every customer ever delivered: its latest record. silt compares it with
-- the current version of each customer and opens a new version when updated_at is newer, closing
-- the previous one (valid_to, is_current). A record re-sent unchanged (same updated_at) does not
-- create a version. The daily files only carry changed customers, so a customer missing from
-- them is not deleted (hard_deletes: ignore).
SELECT
    customer_id,
    name,
    email,
    country,
    segment,
    updated_at
FROM bronze.customers
QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY updated_at DESC, _ingested_at DESC) = 1
