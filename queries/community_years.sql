-- name: community_years
-- community_years(urn, year, numerator, denominator, community_numerator, community_denominator, areas,
-- calibrate): for every audited school and every year of the window in which it has indicator
-- $indicator, its own counts and its community's weighted counts in the SAME year
-- (sum weight x area numerator, sum weight x area denominator over the areas of catchment_weight).
-- Reads audit_values, audit_sources, audit_years, catchment_weight and area_values. Parameters: $indicator.
with weights as (
    select w.urn, y.year, w.area, w.weight
    from catchment_weight w join audit_years y on w.year is null or w.year = y.year
    where w.weight > 0
),
community as (
    select w.urn, w.year,
           sum(w.weight * a.numerator) as community_numerator,
           sum(w.weight * a.denominator) as community_denominator,
           count(*) as areas, bool_or(a.calibrate) as calibrate
    from weights w join area_values a on a.area = w.area and a.year = w.year
    where a.numerator is not null and a.denominator > 0
    group by w.urn, w.year
),
final as (
    select v.urn, v.year, v.numerator, v.denominator,
           c.community_numerator, c.community_denominator, c.areas, c.calibrate, v.vintage
    from audit_values v
    join audit_sources s on s.urn = v.urn
    left join community c on c.urn = v.urn and c.year = v.year
    where v.indicator = $indicator
)
select * from final
