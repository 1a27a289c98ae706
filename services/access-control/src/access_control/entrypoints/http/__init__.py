from access_control.entrypoints.http import clients, code_of_conduct, keys, links, member_groups, routes, users

ROUTERS = [keys.router, routes.router, links.router, users.router, clients.router, code_of_conduct.router,
           member_groups.router]
