-- Per school of $phase in entry $year, from applications and offers: places (places offered in $year where at
-- least as many put the school first, else the most offered in $year and the two years before), the times it
-- was put 1st, 2nd, 3rd and at any rank, and the applications from other LAs. Rows of a school closed since
-- count for its one open successor (GIAS links) unless the successor has its own row that year.
WITH succ AS (SELECT urn AS old, link_urn AS new FROM school_links WHERE link_type ILIKE 'successor%'
              UNION
              SELECT link_urn AS old, urn AS new FROM school_links WHERE link_type ILIKE 'predecessor%'),
     open AS (SELECT urn FROM schools WHERE coalesce(status, 'Open') ILIKE 'open%'),
     one AS (SELECT old, min(new) AS new FROM succ
             WHERE new IN (SELECT urn FROM open) AND old NOT IN (SELECT urn FROM open)
             GROUP BY old HAVING count(DISTINCT new) = 1),
     keyed AS (SELECT coalesce(one.new, a.urn) AS urn, a.* EXCLUDE (urn), a.urn AS row_urn
               FROM school_admissions a LEFT JOIN one ON one.old = a.urn WHERE a.phase ILIKE $phase),
     rows AS (SELECT * FROM keyed QUALIFY row_number() OVER (PARTITION BY urn, year
                                                            ORDER BY (row_urn = urn) DESC, row_urn) = 1)
SELECT urn, CASE WHEN max(times_first) FILTER (year = $year) >= max(places_offered) FILTER (year = $year)
                   AND max(places_offered) FILTER (year = $year) > 0
              THEN max(places_offered) FILTER (year = $year)
              ELSE max(places_offered) FILTER (year BETWEEN $year - 2 AND $year) END AS places,
       max(times_first) FILTER (year = $year) AS times_first, max(times_second) FILTER (year = $year) AS times_second,
       max(times_third) FILTER (year = $year) AS times_third, max(times_any) FILTER (year = $year) AS times_any,
       max(from_another_la) FILTER (year = $year) AS from_another_la
FROM rows GROUP BY urn HAVING max(times_first) FILTER (year = $year) IS NOT NULL
ORDER BY urn
