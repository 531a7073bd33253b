-- name: school_values
-- The school side of every indicator: school_values(urn, year, indicator, numerator, denominator,
-- vintage, inherited_from, predecessors). A school's own rows come from `school_indicators` (a NULL denominator, as in
-- school-level CIN files, takes the census headcount of that year, else the GIAS roll); where a school
-- has no row for a year, its predecessors' rows are carried over through GIAS links (academy conversions,
-- mergers; splits are ambiguous and not followed), nearest generation first, merged predecessors summed;
-- `predecessors` counts the schools an inherited row sums (more than one: a merger, which a series must not
-- splice); where still nothing, the school's own residence flows (`flows`) give the count when they carry it.
-- Parameters: none.
with recursive own as (
    select i.urn, i.year, i.indicator, i.numerator,
           coalesce(i.denominator, c.pupils, g.pupils) as denominator, i.vintage
    from school_indicators i
    left join school_census c on c.urn = i.urn and c.year = i.year
    left join schools g on g.urn = i.urn
    where i.numerator is not null
),
links as (
    select urn as successor, link_urn as predecessor from school_links
    where link_type ilike 'predecessor%' and link_type not ilike '%split%'
    union
    select link_urn, urn from school_links
    where link_type ilike 'successor%' and link_type not ilike '%split%'
),
ancestry(successor, ancestor, generation) as (
    select successor, predecessor, 1 from links where successor <> predecessor
    union
    select a.successor, l.predecessor, a.generation + 1
    from ancestry a join links l on l.successor = a.ancestor
    where a.generation < 6 and l.predecessor <> a.successor
),
inherited_candidates as (           -- never from a school GIAS still lists as open (it counts itself)
    select a.successor as urn, o.year, o.indicator, o.numerator, o.denominator, o.vintage,
           a.ancestor, a.generation
    from ancestry a
    join own o on o.urn = a.ancestor
    anti join own mine on mine.urn = a.successor and mine.year = o.year and mine.indicator = o.indicator
    anti join (select urn from schools where status ilike 'open%') still_open on still_open.urn = a.ancestor
),
nearest_generation as (
    select * from inherited_candidates
    qualify generation = min(generation) over (partition by urn, year, indicator)
),
inherited as (
    select urn, year, indicator, sum(numerator) as numerator, sum(denominator) as denominator,
           min(vintage) as vintage, min(ancestor) as inherited_from, count(distinct ancestor) as predecessors
    from (select distinct * from nearest_generation)
    group by urn, year, indicator
),
from_flows as (
    select urn, year, indicator, numerator, denominator, 'flows' as vintage
    from (
        select urn, year, sum(pupils) as denominator,
               sum(fsm) as fsm, sum(sen) as sen, sum(cin) as cin,
               count(fsm) = count(*) as fsm_complete, count(sen) = count(*) as sen_complete,
               count(cin) = count(*) as cin_complete
        from flows group by urn, year
    ) unpivot (numerator for indicator in (fsm, sen, cin))
    where (indicator = 'fsm' and fsm_complete) or (indicator = 'sen' and sen_complete)
       or (indicator = 'cin' and cin_complete)
),
combined as (
    select urn, year, indicator, numerator, denominator, vintage, null::integer as inherited_from,
           null::bigint as predecessors from own
    union all
    select urn, year, indicator, numerator, denominator, vintage, inherited_from, predecessors from inherited
),
final as (
    select * from combined
    union all
    select f.urn, f.year, case f.indicator when 'sen' then 'sen_support' else f.indicator end,
           f.numerator, f.denominator, f.vintage, null::integer, null::bigint
    from from_flows f
    anti join combined c on c.urn = f.urn and c.year = f.year
        and c.indicator = case f.indicator when 'sen' then 'sen_support' else f.indicator end
)
select * from final
