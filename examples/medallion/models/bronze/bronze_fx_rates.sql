/* silt:
materialized: append
description: FX rates as published (USD per unit of currency), restatements included.
owner: data-platform
tags: [bronze, finance]
*/
SELECT
    CAST(as_of_date AS DATE)             AS as_of_date,
    CAST(ccy AS VARCHAR)                 AS ccy,
    CAST(rate_to_base AS DECIMAL(18,8))  AS rate_to_base,
    CAST(published_at AS TIMESTAMP)      AS published_at,
    _source_file,
    _ingested_at
FROM source.fx_rates
