-- name: area_values_school
-- area_values(area, year, numerator, denominator, calibrate) where each area is one state-funded
-- mainstream school (its URN): that school's counts of indicator $indicator in each year of the window.
-- Reads audit_values and audit_schools. Parameters: $indicator.
with final as (
    select v.urn::varchar as area, v.year, v.numerator, v.denominator, false as calibrate
    from audit_values v join audit_schools s on s.urn = v.urn
    where v.indicator = $indicator and s.scope_reason is null
)
select * from final
