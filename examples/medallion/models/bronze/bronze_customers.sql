/* silt:
materialized: append
description: Customer records as delivered (new, changed or re-sent on the day), typed.
owner: data-platform
tags: [bronze, customers]
*/
SELECT
    CAST(customer_id AS BIGINT)   AS customer_id,
    CAST(name AS VARCHAR)         AS name,
    CAST(email AS VARCHAR)        AS email,
    CAST(country AS VARCHAR)      AS country,
    CAST(segment AS VARCHAR)      AS segment,
    CAST(updated_at AS TIMESTAMP) AS updated_at,
    _source_file,
    _ingested_at
FROM source.customers
