-- TBAR hydration v2 (enriched): v1's 8 steps, then 8 more; 25 new columns. The thresholds are
-- documented in README.md ("v2 rules").
WITH cleaned AS (
  -- 1-2. trim, case, rename (as v1)
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
    nullif(upper(trim(client_id)), '') AS client_id,
    -- completeness: how many of the 13 input fields are present
    (CASE WHEN nullif(trim(transaction_id), '') IS NULL THEN 0 ELSE 1 END
     + CASE WHEN nullif(trim(account_number), '') IS NULL THEN 0 ELSE 1 END
     + CASE WHEN nullif(trim(account_type), '') IS NULL THEN 0 ELSE 1 END
     + CASE WHEN nullif(trim(security_id), '') IS NULL THEN 0 ELSE 1 END
     + CASE WHEN nullif(trim(transaction_type), '') IS NULL THEN 0 ELSE 1 END
     + CASE WHEN nullif(trim(quantity), '') IS NULL THEN 0 ELSE 1 END
     + CASE WHEN nullif(trim(price), '') IS NULL THEN 0 ELSE 1 END
     + CASE WHEN nullif(trim(amount), '') IS NULL THEN 0 ELSE 1 END
     + CASE WHEN nullif(trim(currency), '') IS NULL THEN 0 ELSE 1 END
     + CASE WHEN nullif(trim(status), '') IS NULL THEN 0 ELSE 1 END
     + CASE WHEN nullif(trim(business_date), '') IS NULL THEN 0 ELSE 1 END
     + CASE WHEN nullif(trim(broker_code), '') IS NULL THEN 0 ELSE 1 END
     + CASE WHEN nullif(trim(client_id), '') IS NULL THEN 0 ELSE 1 END) AS silt_fields_present
  FROM source.trades
),
v1 AS (
  SELECT
    *,
    CASE WHEN amount IS NULL THEN NULL WHEN amount < 5000 THEN 'SMALL' ELSE 'LARGE' END AS amount_category,
    coalesce(status IN ('PENDING', 'COMPLETE', 'FAILED'), false) AS is_valid_status,
    business_date + 2 AS settlement_days,
    concat_ws('|', account_id, sec_id, strftime(business_date, '%Y-%m-%d')) AS composite_key,
    CASE WHEN txn_id IS NOT NULL AND account_id IS NOT NULL AND sec_id IS NOT NULL AND amount IS NOT NULL
              AND business_date IS NOT NULL THEN 'VALID' ELSE 'INVALID' END AS record_quality,
    getvariable('run_timestamp') AS processing_timestamp,
    'v2' AS schema_version,
    'silt-tbar-2.0.0' AS etl_pipeline_version
  FROM cleaned
),
enriched AS (
  SELECT
    *,
    -- 9. five amount tiers
    CASE WHEN amount IS NULL THEN NULL
         WHEN abs(amount) < 1000 THEN 'MICRO' WHEN abs(amount) < 5000 THEN 'SMALL'
         WHEN abs(amount) < 50000 THEN 'MEDIUM' WHEN abs(amount) < 500000 THEN 'LARGE' ELSE 'JUMBO' END AS amount_tier,
    -- 11. retirement accounts
    coalesce(regexp_matches(account_type, 'IRA|401K|401\(K\)|ROTH'), false) AS is_retirement_account,
    -- 13. value check: the amount against quantity x price
    round(quantity * price, 2) AS calculated_amount,
    -- broker and client patterns
    CASE WHEN broker_code IS NULL THEN 'UNKNOWN' WHEN broker_code LIKE 'X%' THEN 'HIGH'
         WHEN broker_code LIKE 'P%' THEN 'LOW' ELSE 'MEDIUM' END AS broker_risk_category,
    CASE WHEN client_id IS NULL THEN 'UNKNOWN' WHEN client_id LIKE 'INST%' THEN 'INSTITUTIONAL'
         WHEN client_id LIKE 'VIP%' THEN 'PREMIUM' ELSE 'RETAIL' END AS client_tier,
    -- 16. settlement on the second business day (weekends skipped), and business days left
    CASE isodow(business_date) WHEN 4 THEN business_date + 4 WHEN 5 THEN business_date + 4
                               WHEN 6 THEN business_date + 3 ELSE business_date + 2 END AS settlement_date
  FROM v1
),
checked AS (
  SELECT
    *,
    amount - calculated_amount AS amount_discrepancy,
    CASE WHEN calculated_amount IS NULL OR calculated_amount = 0 OR amount IS NULL THEN NULL
         ELSE round(abs(amount - calculated_amount) / abs(calculated_amount) * 100, 4) END AS discrepancy_pct
  FROM enriched
),
scored AS (
  SELECT
    *,
    coalesce(discrepancy_pct > 1, false) AS has_value_discrepancy,
    -- 10. risk level
    CASE WHEN abs(amount) >= 100000 OR broker_risk_category = 'HIGH' THEN 'HIGH'
         WHEN abs(amount) >= 10000 OR is_retirement_account OR broker_risk_category = 'UNKNOWN' THEN 'MEDIUM'
         ELSE 'LOW' END AS transaction_risk_level,
    -- 12. tax reporting
    coalesce(abs(amount) > 10000, false) OR is_retirement_account AS requires_tax_reporting,
    coalesce(abs(amount) > 100000, false) AS is_high_value,
    -- 15. quality score: completeness 40, accuracy 30, consistency 30
    CAST(round(40.0 * silt_fields_present / 13
               + CASE WHEN discrepancy_pct IS NULL THEN 0 WHEN discrepancy_pct <= 1 THEN 30
                      WHEN discrepancy_pct <= 5 THEN 15 ELSE 0 END
               + CASE WHEN is_valid_status THEN 10 ELSE 0 END
               + CASE WHEN isodow(business_date) <= 5 THEN 10 ELSE 0 END
               + CASE WHEN regexp_full_match(coalesce(currency, ''), '[A-Z]{3}') THEN 10 ELSE 0 END) AS INTEGER)
      AS quality_score,
    CASE WHEN business_date IS NULL THEN NULL
         WHEN getvariable('run_date') <= settlement_date
           THEN len(list_filter(range(1, CAST(settlement_date - getvariable('run_date') AS BIGINT) + 1),
                                i -> isodow(getvariable('run_date') + CAST(i AS INTEGER)) <= 5))
         ELSE -len(list_filter(range(1, CAST(getvariable('run_date') - settlement_date AS BIGINT) + 1),
                               i -> isodow(settlement_date + CAST(i AS INTEGER)) <= 5)) END AS business_days_to_settle
  FROM checked
)
SELECT
  * EXCLUDE (silt_fields_present),
  -- 15. classification of the score
  CASE WHEN quality_score >= 90 THEN 'EXCELLENT' WHEN quality_score >= 75 THEN 'GOOD'
       WHEN quality_score >= 50 THEN 'FAIR' ELSE 'POOR' END AS record_quality_classification,
  -- 14. regulatory reporting and audit
  coalesce(abs(amount) >= 10000, false) OR transaction_risk_level = 'HIGH' AS requires_regulatory_reporting,
  transaction_risk_level = 'HIGH' OR quality_score < 50 OR has_value_discrepancy AS audit_required
FROM scored
