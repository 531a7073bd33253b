-- name: community_pool
-- audit_pool(urn, pool_schools, pool_pupils, pool_excluded_selective): the make-up of each school's
-- comparison pool in the school-pool models (nearby-schools, nearby-primaries): how many schools it holds,
-- their average yearly pupils over the window, and how many selective schools nearer than the pool's
-- farthest member were left out of it (grammar schools are not part of their neighbours' community).
-- Reads audit_pairs (src, tgt, dist), audit_sources, audit_schools and audit_values. Parameters: none.
with pupils as (
    select urn::varchar as tgt, avg(denominator) as pupils from audit_values where denominator > 0 group by urn
),
pool as (
    select p.src, count(distinct p.tgt) as pool_schools, sum(u.pupils) as pool_pupils, max(p.dist) as reach
    from audit_pairs p left join pupils u on u.tgt = p.tgt
    group by p.src
),
selective as (
    select urn, phase, easting, northing from audit_schools
    where selective and scope_reason is null and easting is not null and northing is not null
      and urn in (select urn from audit_values)
),
left_out as (
    select s.urn, count(*) as n
    from audit_sources s
    join pool p on p.src = s.urn::varchar
    join selective g on g.phase = s.phase and g.urn <> s.urn
         and sqrt((g.easting - s.easting) ^ 2 + (g.northing - s.northing) ^ 2) <= p.reach
    where not exists (select 1 from audit_pairs q where q.src = s.urn::varchar and q.tgt = g.urn::varchar)
    group by s.urn
),
final as (
    select s.urn, p.pool_schools, p.pool_pupils, coalesce(l.n, 0) as pool_excluded_selective
    from audit_sources s
    join pool p on p.src = s.urn::varchar
    left join left_out l on l.urn = s.urn
)
select * from final
