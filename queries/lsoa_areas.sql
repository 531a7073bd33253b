-- name: lsoa_areas
-- lsoa_areas(lsoa, easting, northing, lad_code, pop_primary, pop_secondary, idaci): every LSOA with a
-- centroid, in the centroids' LSOA vintage (2021 for the ONS population-weighted centroids), with its
-- child population of primary age (4-10) and secondary age (11-15) and its IDACI score (0-1).
-- Population and deprivation on the other vintage go through `lsoa_lookup`: counts are shared out
-- equally over the LSOAs a code split into and summed where codes merged; IDACI is averaged.
-- A published age band counts in proportion to the years it shares with the phase's ages (Census
-- 'Aged 15 years and under' gives 7/16 of its children to primary and 5/16 to secondary ages).
-- Reads the temporary table audit_lsoa_crosswalk (queries/lsoa_crosswalk.sql). Parameters: none.
with population_source as (         -- the latest year, and in it the file with the narrowest bands
    select year, source_file from lsoa_population
    where age_max is not null and age_min <= 15 and age_max >= 4
    group by year, source_file
    order by year desc, avg(age_max - age_min) asc
    limit 1
),
band_shares as (
    select p.lsoa, p.population,
           greatest(0, least(p.age_max, 10) - greatest(p.age_min, 4) + 1) / (p.age_max - p.age_min + 1)
               as primary_share,
           greatest(0, least(p.age_max, 15) - greatest(p.age_min, 11) + 1) / (p.age_max - p.age_min + 1)
               as secondary_share
    from lsoa_population p
    join population_source s on s.year = p.year and s.source_file is not distinct from p.source_file
    where p.age_max is not null and p.population is not null
),
population as (
    select c.lsoa,
           sum(b.population * b.primary_share * c.share) as pop_primary,
           sum(b.population * b.secondary_share * c.share) as pop_secondary
    from band_shares b join audit_lsoa_crosswalk c on c.code = b.lsoa
    group by c.lsoa
),
idaci_edition as (
    select max(year) as year from lsoa_deprivation where measure = 'idaci' and score is not null
),
idaci as (
    select c.lsoa, avg(d.score) as idaci, min(d.la_code) as la_code
    from lsoa_deprivation d join audit_lsoa_crosswalk c on c.code = d.lsoa
    where d.measure = 'idaci' and d.year = (select year from idaci_edition) and d.score is not null
    group by c.lsoa
),
district as (
    select lsoa, min(lad_code) as lad_code
    from (select lsoa21 as lsoa, lad_code from lsoa_lookup union all select lsoa11, lad_code from lsoa_lookup)
    group by lsoa
),
final as (
    select c.lsoa, c.easting, c.northing,
           coalesce(d.lad_code, i.la_code) as lad_code,
           p.pop_primary, p.pop_secondary, i.idaci
    from lsoa_centroids c
    left join population p on p.lsoa = c.lsoa
    left join idaci i on i.lsoa = c.lsoa
    left join district d on d.lsoa = c.lsoa
)
select * from final
