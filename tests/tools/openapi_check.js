// tests/tools/openapi_check.js: compare docs/api/openapi.yaml with what the code serves.
// Run through tests/tools/npm-tool.sh node (it puts the pinned `yaml` module on the path).
//
//   routes SPEC        stdin: "SERVICE METHOD PATH ACCESS" lines, the output of each
//                      `jiuye-<service> --routes` with the service's name in front (blank
//                      lines and "#" comments skipped). Compares, per service, the set of
//                      (METHOD, PATH) with the spec's operations (a path's `servers` name its
//                      service by x-jiuye-service; a path without them is served by every
//                      service), and each route's ACCESS ("public" or roles joined by ",")
//                      with the operation's x-jiuye-access and with the roles of its
//                      `security` (x-jiuye-role of each scheme; [] for public).
//   event-types SPEC TYPE...
//                      the types intake accepts (TYPE...) equal the spec's Event variants
//                      and each has an example of POST /v1/events.
//   refusals SPEC     every operation behind a token answers 401, 403, 429 (with
//                      Retry-After) and 503; one behind the ticket cookie 401.
//   slice SPEC SERVICE URL
//                      print (JSON) the spec cut to the paths SERVICE serves, with URL as its
//                      only server: what a prism proxy in front of that service validates.
//
// Prints one line per difference and exits 1 when there is any; exit 2 on bad usage.
'use strict';
const fs = require('fs');
const YAML = require('yaml');

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function load(file) {
    return YAML.parse(fs.readFileSync(file, 'utf8'), { maxAliasCount: -1 });
}

function services(spec) {
    return (spec.servers || []).map((s) => s['x-jiuye-service']).filter(Boolean);
}

// The services a path item is served by.
function pathServices(spec, item) {
    return item.servers ? item.servers.map((s) => s['x-jiuye-service']) : services(spec);
}

// ["staff", "operator"] or "public" as the --routes ACCESS column writes it.
function accessText(access) {
    if (access === 'public') return 'public';
    if (Array.isArray(access) && access.length > 0) return [...access].sort().join(',');
    return `(bad x-jiuye-access ${JSON.stringify(access)})`;
}

function normalizeAccess(text) {
    return text === 'public' ? 'public' : text.split(',').sort().join(',');
}

// The roles an operation's security admits, as ACCESS text.
function securityText(spec, op) {
    const security = op.security === undefined ? spec.security : op.security;
    if (!security) return '(no security declared)';
    if (security.length === 0) return 'public';
    const schemes = (spec.components && spec.components.securitySchemes) || {};
    const roles = new Set();
    for (const requirement of security) {
        for (const name of Object.keys(requirement)) {
            const role = schemes[name] && schemes[name]['x-jiuye-role'];
            roles.add(role || `(scheme ${name} has no x-jiuye-role)`);
        }
    }
    return [...roles].sort().join(',');
}

// service -> Map("METHOD PATH" -> operation)
function specRoutes(spec) {
    const out = new Map(services(spec).map((s) => [s, new Map()]));
    for (const [path, item] of Object.entries(spec.paths || {})) {
        for (const svc of pathServices(spec, item)) {
            if (!out.has(svc)) out.set(svc, new Map());
            for (const m of METHODS) if (item[m]) out.get(svc).set(`${m.toUpperCase()} ${path}`, item[m]);
        }
    }
    return out;
}

function routes(specFile, input) {
    const spec = load(specFile);
    const problems = [];
    const served = new Map(); // service -> Map("METHOD PATH" -> access)
    input.split('\n').forEach((raw, i) => {
        const line = raw.trim();
        if (!line || line.startsWith('#')) return;
        const f = line.split(/\s+/);
        if (f.length !== 4) {
            problems.push(`input line ${i + 1}: want "SERVICE METHOD PATH ACCESS", got "${line}"`);
            return;
        }
        const [svc, method, path, access] = f;
        if (!served.has(svc)) served.set(svc, new Map());
        const key = `${method.toUpperCase()} ${path}`;
        if (served.get(svc).has(key)) problems.push(`${svc}: ${key} listed twice`);
        served.get(svc).set(key, normalizeAccess(access));
    });
    const documented = specRoutes(spec);
    for (const svc of new Set([...served.keys(), ...documented.keys()])) {
        const have = served.get(svc) || new Map(), doc = documented.get(svc) || new Map();
        if (!served.has(svc)) problems.push(`${svc}: no route listed for this service (is its --routes output missing?)`);
        for (const [key, access] of have) {
            const op = doc.get(key);
            if (!op) {
                problems.push(`${svc}: ${key} is served but not in the spec`);
                continue;
            }
            const declared = accessText(op['x-jiuye-access']);
            if (declared !== access) problems.push(`${svc}: ${key} is served to ${access}, the spec's x-jiuye-access says ${declared}`);
            const secured = securityText(spec, op);
            if (secured !== access) problems.push(`${svc}: ${key} is served to ${access}, the spec's security admits ${secured}`);
        }
        for (const key of doc.keys()) if (!have.has(key)) problems.push(`${svc}: ${key} is in the spec but not served`);
    }
    return problems;
}

function eventTypes(specFile, types) {
    const spec = load(specFile);
    const problems = [];
    const schemas = spec.components.schemas;
    const variants = new Map();
    for (const v of schemas.Event.oneOf) {
        const name = v.$ref.replace('#/components/schemas/', '');
        const type = schemas[name].properties.type.enum;
        if (!Array.isArray(type) || type.length !== 1) problems.push(`${name}: type must be an enum of one value`);
        else variants.set(type[0], name);
    }
    const examples = spec.paths['/v1/events'].post.requestBody.content['application/json'].examples || {};
    const exampled = new Set();
    for (const ex of Object.values(examples)) for (const ev of [].concat(ex.value)) exampled.add(ev && ev.type);
    for (const t of types) {
        if (!variants.has(t)) problems.push(`intake accepts ${t}: no Event variant in the spec`);
        if (!exampled.has(t)) problems.push(`intake accepts ${t}: no example of it for POST /v1/events`);
    }
    for (const t of variants.keys()) if (!types.includes(t)) problems.push(`the spec's Event has ${t}, which intake does not accept`);
    return problems;
}

// Every operation behind a token can be refused before its handler runs (access control
// in common/svc.c): 401, 403, 429 with Retry-After, and 503 when the token cannot be
// checked. A route its handler authenticates (the ticket) answers its own 401 only.
function refusals(specFile) {
    const spec = load(specFile);
    const problems = [];
    const resolve = (r) => (r && r.$ref ? spec.components.responses[r.$ref.split('/').pop()] : r);
    for (const [path, item] of Object.entries(spec.paths)) {
        for (const m of METHODS) {
            const op = item[m];
            if (!op) continue;
            const access = op['x-jiuye-access'];
            if (access === 'public') continue;
            const codes = Array.isArray(access) && access.length === 1 && access[0] === 'ticket' ? ['401'] : ['401', '403', '429', '503'];
            for (const code of codes) {
                if (!op.responses[code]) problems.push(`${m.toUpperCase()} ${path}: no ${code} answer`);
            }
            const throttled = resolve(op.responses['429']);
            if (throttled && !(throttled.headers && throttled.headers['Retry-After'])) {
                problems.push(`${m.toUpperCase()} ${path}: its 429 has no Retry-After header`);
            }
        }
    }
    return problems;
}

function slice(specFile, svc, url) {
    const spec = load(specFile);
    const out = { ...spec, servers: [{ url, description: `${svc} (through this proxy)` }], paths: {} };
    for (const [path, item] of Object.entries(spec.paths)) {
        if (!pathServices(spec, item).includes(svc)) continue;
        const copy = { ...item };
        delete copy.servers;
        out.paths[path] = copy;
    }
    return JSON.stringify(out);
}

function main(argv) {
    const [cmd, specFile, ...rest] = argv;
    let problems;
    if (cmd === 'routes' && specFile && rest.length === 0) {
        problems = routes(specFile, fs.readFileSync(0, 'utf8'));
    } else if (cmd === 'event-types' && specFile && rest.length > 0) {
        problems = eventTypes(specFile, rest);
    } else if (cmd === 'refusals' && specFile && rest.length === 0) {
        problems = refusals(specFile);
    } else if (cmd === 'slice' && specFile && rest.length === 2) {
        process.stdout.write(slice(specFile, rest[0], rest[1]) + '\n');
        return 0;
    } else {
        process.stderr.write('usage: openapi_check.js routes SPEC < ROUTES | event-types SPEC TYPE... | refusals SPEC | slice SPEC SERVICE URL\n');
        return 2;
    }
    for (const p of problems) console.log(p);
    return problems.length ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
