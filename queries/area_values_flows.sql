-- name: area_values_flows
-- area_values(area, year, numerator, denominator, calibrate, pupils) where each area is one LSOA and
-- phase ('lsoa|phase'): the rate of indicator $indicator among ALL pupils of the phase living in the LSOA
-- (numerator = that rate, denominator = 1, so a school's community rate is the mean of its LSOAs' rates
-- weighted by its pupils from each), from the residence flows of every state-funded mainstream school
-- (fsm, sen as SEN support, cin columns); `pupils` = all pupils of the phase counted in the LSOA.
-- Reads audit_flows (queries/flows_current.sql) and audit_schools. Parameters: $indicator.
with counted as (
    select f.lsoa || '|' || s.phase as area, f.year,
           case $indicator when 'fsm' then f.fsm when 'sen_support' then f.sen when 'cin' then f.cin end as count,
           f.pupils
    from audit_flows f join audit_schools s on s.urn = f.urn
    where s.scope_reason is null
),
final as (
    select area, year, sum(count) / sum(pupils) as numerator, 1.0 as denominator, false as calibrate,
           sum(pupils) as pupils
    from counted where count is not null
    group by area, year
    having sum(pupils) > 0
)
select * from final
