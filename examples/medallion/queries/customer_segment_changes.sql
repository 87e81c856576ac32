-- Customer segment changes seen in the SCD2 history of silver.customers: how many customers moved
-- from one segment to another, and when the first and last such move happened.
WITH versions AS (
    SELECT
        customer_id,
        segment,
        valid_from,
        lag(segment) OVER (PARTITION BY customer_id ORDER BY valid_from) AS previous_segment
    FROM silver.customers
)
SELECT
    previous_segment AS from_segment,
    segment          AS to_segment,
    count(*)         AS changes,
    min(valid_from)  AS first_change,
    max(valid_from)  AS last_change
FROM versions
WHERE previous_segment IS NOT NULL AND previous_segment <> segment
GROUP BY previous_segment, segment
ORDER BY changes DESC, from_segment, to_segment
