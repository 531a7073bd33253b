-- name: flows_current
-- flows_current(urn, lsoa, year, pupils, fsm, sen, cin, source_urn): the residence flows with each URN
-- carried forward to the school that has it today through GIAS links (academy conversions, mergers;
-- splits are ambiguous and not followed), latest generation first: files such as the London Schools
-- Atlas (January 2015) name URNs that have since closed and reopened as academies. A URN is carried
-- forward only when GIAS does not list it as open and its successor has no flows of its own that year.
-- Parameters: none.
with recursive links as (
    select link_urn as predecessor, urn as successor from school_links
    where link_type ilike 'predecessor%' and link_type not ilike '%split%'
    union
    select urn, link_urn from school_links
    where link_type ilike 'successor%' and link_type not ilike '%split%'
),
chain(urn, successor, generation) as (
    select predecessor, successor, 1 from links where predecessor <> successor
    union
    select c.urn, l.successor, c.generation + 1
    from chain c join links l on l.predecessor = c.successor
    where c.generation < 6 and l.successor <> c.urn
),
latest as (                          -- the furthest successor, the lowest URN on a tie
    select urn, successor from chain
    qualify row_number() over (partition by urn order by generation desc, successor) = 1
),
open_urns as (select urn from schools where status ilike 'open%'),
own_years as (select distinct urn, year from flows),
moved as (                           -- (old URN, year) -> today's URN
    select o.urn, o.year, l.successor
    from own_years o join latest l on l.urn = o.urn
    anti join open_urns u on u.urn = o.urn
    anti join own_years s on s.urn = l.successor and s.year = o.year
),
carried as (
    select f.urn as source_urn, coalesce(m.successor, f.urn) as urn, f.lsoa, f.year, f.pupils, f.fsm, f.sen, f.cin
    from flows f left join moved m on m.urn = f.urn and m.year = f.year
),
final as (
    select urn, lsoa, year, sum(pupils) as pupils, sum(fsm) as fsm, sum(sen) as sen, sum(cin) as cin,
           min(source_urn) as source_urn
    from carried
    group by urn, lsoa, year
)
select * from final
