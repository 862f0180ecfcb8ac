
#jy_0123456789abcdef0123456789abcdeft
sasac-2025-1recruitment.plan
2025-01-10"320700*hrss22024-05-10T08:00:00Zê!
91320706MA1N2B3C4Msoeé È(