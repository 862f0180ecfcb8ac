
#jy_0123456789abcdef0123456789abcdef‚

dpf-svc-88service.delivered
2024-03-15"320706*hrss22024-05-10T08:00:00Zú0
32070619900307123742
info_checkhz-staff-007