-- Per entity written by the community's change sets numbered in (:a, :b]: its state before
-- the first of them and after the last (services/grid/planner/history.py net_changes).
SELECT ci.entity, ci.entity_id,
       (array_agg(ci.before ORDER BY cs.number))[1] AS before,
       (array_agg(ci.after ORDER BY cs.number DESC))[1] AS after
FROM grid.change_item ci
JOIN grid.change_set cs ON cs.id = ci.change_set_id
WHERE cs.community_code = :c AND cs.number > :a AND cs.number <= :b
GROUP BY ci.entity, ci.entity_id
ORDER BY ci.entity DESC, ci.entity_id
