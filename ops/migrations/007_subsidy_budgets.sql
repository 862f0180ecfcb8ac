-- 007_subsidy_budgets: (filled in by the budgets/KPI work of issue 5)
SELECT 1;
