/* silt:
materialized: table
description: Daily FX rates to the base currency with the inverse rate and the day-over-day change.
owner: analytics
tags: [gold, finance]
*/
SELECT
    as_of_date,
    ccy,
    getvariable('base_currency')           AS base_ccy,
    rate_to_base,
    1 / CAST(rate_to_base AS DOUBLE)       AS units_per_base,
    CAST(rate_to_base AS DOUBLE)
      / lag(CAST(rate_to_base AS DOUBLE)) OVER (PARTITION BY ccy ORDER BY as_of_date) - 1 AS change_1d,
    published_at
FROM silver.fx_rates
