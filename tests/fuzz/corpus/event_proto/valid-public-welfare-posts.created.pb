
#jy_0123456789abcdef0123456789abcdefg
hrss-pwp-2024public_welfare_posts.created
2024-02-01"320723*hrss22024-05-10T08:00:00Zòèd
