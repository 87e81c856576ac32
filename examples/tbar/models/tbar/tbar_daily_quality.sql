-- What consumers see per business date, whichever version is published: trades and how many are valid.
SELECT business_date, count(*) AS trades, count(*) FILTER (WHERE record_quality = 'VALID') AS valid_trades,
       sum(amount) AS total_amount, any_value(schema_version) AS schema_version
FROM tbar.hydrated
GROUP BY business_date
