-- name: area_values_lsoa
-- area_values(area, year, numerator, denominator, calibrate) where each area is one LSOA: the rate of
-- indicator $indicator supplied for LSOAs (lsoa_rates, the nearest year to each year of the window,
-- earlier years first on ties, codes of either vintage mapped through the crosswalk); for FSM without
-- supplied rates, the LSOA's IDACI score with calibrate = true (repaudit/auditing/calibration.py turns
-- the community IDACI into an expected FSM rate).
-- Reads audit_years, audit_lsoa_crosswalk, audit_lsoa_areas and lsoa_rates. Parameters: $indicator.
with supplied_nearest as (
    select r.lsoa as code, y.year,
           arg_min(r.rate, abs(r.year - y.year) * 2 + case when r.year > y.year then 1 else 0 end) as rate
    from lsoa_rates r cross join audit_years y
    where r.indicator = $indicator and r.rate is not null
    group by r.lsoa, y.year
),
supplied as (
    select c.lsoa as area, s.year, avg(s.rate) as numerator, 1.0 as denominator, false as calibrate
    from supplied_nearest s join audit_lsoa_crosswalk c on c.code = s.code
    group by c.lsoa, s.year
),
deprivation as (
    select a.lsoa as area, y.year, a.idaci as numerator, 1.0 as denominator, true as calibrate
    from audit_lsoa_areas a cross join audit_years y
    where $indicator = 'fsm' and a.idaci is not null and not exists (select 1 from supplied)
),
final as (
    select * from supplied union all select * from deprivation
)
select * from final
