/* silt:
materialized: merge
unique_key: [as_of_date, ccy]
description: One FX rate per day and currency; a restatement replaces the rate first published.
owner: data-platform
tags: [silver, finance]
*/
-- The latest publication of each (as_of_date, ccy) wins: rates are occasionally restated the next
-- morning, and a file delivered twice yields identical rows.
SELECT
    as_of_date,
    ccy,
    rate_to_base,
    published_at
FROM bronze.fx_rates
QUALIFY row_number() OVER (PARTITION BY as_of_date, ccy ORDER BY published_at DESC, _ingested_at DESC) = 1
