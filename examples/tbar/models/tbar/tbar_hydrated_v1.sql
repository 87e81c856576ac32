-- TBAR hydration v1 (legacy): 8 steps, 8 new columns.
WITH cleaned AS (
  -- 1. trim every text field and upper-case the codes; empty strings are missing values
  -- 2. rename transaction_id -> txn_id, account_number -> account_id, security_id -> sec_id
  SELECT
    nullif(upper(trim(transaction_id)), '') AS txn_id,
    nullif(upper(trim(account_number)), '') AS account_id,
    nullif(upper(trim(account_type)), '') AS account_type,
    nullif(upper(trim(security_id)), '') AS sec_id,
    nullif(upper(trim(transaction_type)), '') AS transaction_type,
    TRY_CAST(nullif(trim(quantity), '') AS DECIMAL(18, 4)) AS quantity,
    TRY_CAST(nullif(trim(price), '') AS DECIMAL(18, 4)) AS price,
    TRY_CAST(nullif(trim(amount), '') AS DECIMAL(18, 2)) AS amount,
    nullif(upper(trim(currency)), '') AS currency,
    nullif(upper(trim(status)), '') AS status,
    TRY_CAST(nullif(trim(business_date), '') AS DATE) AS business_date,
    nullif(upper(trim(broker_code)), '') AS broker_code,
    nullif(upper(trim(client_id)), '') AS client_id
  FROM source.trades
)
SELECT
  *,
  -- 3. two amount categories
  CASE WHEN amount IS NULL THEN NULL WHEN amount < 5000 THEN 'SMALL' ELSE 'LARGE' END AS amount_category,
  -- 4. known statuses
  coalesce(status IN ('PENDING', 'COMPLETE', 'FAILED'), false) AS is_valid_status,
  -- 5. settlement: business date + 2 calendar days
  business_date + 2 AS settlement_days,
  -- 6. account, security and date in one key
  concat_ws('|', account_id, sec_id, strftime(business_date, '%Y-%m-%d')) AS composite_key,
  -- 7. VALID when the fields a trade cannot do without are present
  CASE WHEN txn_id IS NOT NULL AND account_id IS NOT NULL AND sec_id IS NOT NULL AND amount IS NOT NULL
            AND business_date IS NOT NULL THEN 'VALID' ELSE 'INVALID' END AS record_quality,
  -- 8. processing metadata
  getvariable('run_timestamp') AS processing_timestamp,
  'v1' AS schema_version,
  'silt-tbar-1.0.0' AS etl_pipeline_version
FROM cleaned
