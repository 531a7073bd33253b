-- name: area_values_la
-- area_values(area, year, numerator, denominator, calibrate) where each area is one LA and phase
-- ('la|phase'): the summed counts of indicator $indicator over the LA's same-phase state-funded
-- mainstream schools. For CIN, DfE's published LA figure is used where loaded instead: children in need
-- at 31 March over the ONS population aged 0-17 (area_statistics cin_at31 / population_0_17).
-- Reads audit_values, audit_schools and area_statistics. Parameters: $indicator.
with schools_summed as (
    select coalesce(s.la, '?') || '|' || s.phase as area, v.year,
           sum(v.numerator) as numerator, sum(v.denominator) as denominator
    from audit_values v join audit_schools s on s.urn = v.urn
    where v.indicator = $indicator and s.scope_reason is null
    group by all
),
la_codes as (
    select distinct la, lad_code, phase from audit_schools where phase in ('primary', 'secondary')
),
published as (
    select coalesce(l.la, '?') || '|' || l.phase as area, c.year,
           max(c.value) as numerator, max(p.value) as denominator
    from area_statistics c
    join area_statistics p on p.area_code = c.area_code and p.year = c.year and p.measure = 'population_0_17'
    join la_codes l on l.la = c.old_la_code or l.lad_code = c.area_code
    where $indicator = 'cin' and c.measure = 'cin_at31' and c.value is not null and p.value > 0
    group by all
),
final as (
    select area, year, numerator, denominator, false as calibrate from published
    union all
    select s.area, s.year, s.numerator, s.denominator, false
    from schools_summed s anti join published p on p.area = s.area and p.year = s.year
)
select * from final
