// x0tta6bl4: pure render functions shared by the agent's dashboard (served as
// /render.js, a plain script defining X0Render) and the LuCI page (packaged as the
// LuCI class x0tta6bl4.render, which wraps this file). Each function takes the JSON
// of one API method and returns DOM nodes; nothing here fetches, polls or keeps
// state. Text always goes in as text nodes (never as HTML): names come from the mesh.
var X0Render = (function () {
	'use strict';

	var SVG_NS = 'http://www.w3.org/2000/svg';

	/** An element: attrs sets attributes (null/undefined skipped), children are nodes or text. */
	function el(tag, attrs, children) {
		return fill(document.createElement(tag), attrs, children);
	}

	function svg(tag, attrs, children) {
		return fill(document.createElementNS(SVG_NS, tag), attrs, children);
	}

	function fill(node, attrs, children) {
		for (var k in attrs || {}) {
			if (attrs[k] !== null && attrs[k] !== undefined) node.setAttribute(k, String(attrs[k]));
		}
		(children || []).forEach(function (c) {
			if (c === null || c === undefined || c === false) return;
			node.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
		});
		return node;
	}

	/** "850 ms", "12 s", "4 min", "3 h", "2 d". */
	function duration(ms) {
		if (typeof ms !== 'number' || !isFinite(ms)) return '–';
		var a = Math.abs(ms);
		if (a < 1000) return Math.round(a) + ' ms';
		if (a < 60000) return Math.round(a / 1000) + ' s';
		if (a < 3600000) return Math.round(a / 60000) + ' min';
		if (a < 86400000) return Math.round(a / 3600000) + ' h';
		return Math.round(a / 86400000) + ' d';
	}

	function ago(atMs, nowMs) {
		return typeof atMs === 'number' ? duration(nowMs - atMs) + ' ago' : '–';
	}

	/** "02:00:00:00:00:0a" → "02000000000a", the form the node summaries use. */
	function macHex(mac) {
		return String(mac || '').replace(/:/g, '').toLowerCase();
	}

	/** A LuCI-style table (classes table/tr/th/td) with a placeholder row when empty. */
	function table(id, headers, rows, empty) {
		var head = el('tr', { class: 'tr table-titles' }, headers.map(function (h) {
			return el('th', { class: 'th' }, [h]);
		}));
		var body = rows.length
			? rows.map(function (r) {
				return el('tr', { class: 'tr' }, r.map(function (c, i) {
					return el('td', { class: 'td', 'data-title': headers[i] }, Array.isArray(c) ? c : [c]);
				}));
			})
			: [el('tr', { class: 'tr placeholder' }, [el('td', { class: 'td', colspan: headers.length }, [el('em', null, [empty])])])];
		return el('table', { class: 'table', id: id }, [head].concat(body));
	}

	function note(text, kind) {
		return el('p', { class: 'x0-note' + (kind ? ' x0-' + kind : '') }, [text]);
	}

	/** When a call failed: its message, so the page says why a part is empty. */
	function unavailable(what, message) {
		return note(what + ': ' + (message || 'not available'), 'warn');
	}

	function badge(text, kind) {
		return el('span', { class: 'x0-badge x0-' + kind }, [text]);
	}

	var HEALTH_KIND = { ok: 'ok', degraded: 'warn', critical: 'bad' };

	/** The node's health from `status`: a banner (with the reasons) and a list of facts. */
	function health(st) {
		var b = st.batman_adv;
		var facts = [
			['Health', badge(st.health, HEALTH_KIND[st.health] || 'warn')],
			['Mode', st.mode === null || st.mode === undefined ? 'not available yet' : st.mode],
			['batman-adv', b ? b.mesh_interface + ': ' + b.state + (b.algorithm ? ', ' + b.algorithm : '') + (b.version ? ', ' + b.version : '') : 'not available on this host'],
			['Neighbours / originators', b ? b.neighbors + ' / ' + b.originators : '–'],
			['Open incidents', st.counts ? String(st.counts.incidents_open) : '–'],
			['Changes (last 10 min)', st.counts ? st.counts.actions_budget_used + ' of ' + st.counts.actions_budget : '–'],
			['Loop', st.loop.running ? 'running, ' + st.loop.cycles + ' cycles, last ' + st.loop.last_cycle_ms + ' ms' : 'stopped'],
			['Agent', st.version + ' (' + st.engine + '), up ' + duration(st.uptime_s * 1000)],
		];
		var out = [];
		if (!b || b.state !== 'up') {
			out.push(note(b ? 'batman-adv ' + b.mesh_interface + ' is ' + b.state + ': no mesh to watch or heal on this node.' : 'batman-adv is not available on this host.', 'bad'));
		}
		if (st.reasons && st.reasons.length) out.push(el('ul', { class: 'x0-reasons' }, st.reasons.map(function (r) { return el('li', null, [r]); })));
		out.push(el('table', { class: 'table x0-facts', id: 'x0-health' }, facts.map(function (f) {
			return el('tr', { class: 'tr' }, [el('th', { class: 'th' }, [f[0]]), el('td', { class: 'td' }, [f[1]])]);
		})));
		return el('div', { class: 'x0-health x0-health-' + st.health }, out);
	}

	/** Link quality of a neighbour: throughput (BATMAN_V) or its one-hop TQ (BATMAN_IV). */
	function quality(n, tqByNeighbor) {
		if (typeof n.throughput_kbit === 'number') return (n.throughput_kbit / 1000).toFixed(1) + ' Mbit/s';
		var tq = tqByNeighbor[n.neighbor];
		return typeof tq === 'number' ? 'TQ ' + tq + '/255 (' + Math.round((tq * 100) / 255) + ' %)' : '–';
	}

	/** Node names by interface MAC (12 hex digits), from the alfred view's summaries. */
	function namesByMac(mesh) {
		var names = {};
		((mesh && mesh.nodes) || []).forEach(function (n) {
			if (!n.summary) return;
			(n.summary.ifs || []).forEach(function (m) { names[m] = n.summary.name; });
			names[macHex(n.source)] = n.summary.name;
		});
		return names;
	}

	/** `neighbors` with the link quality from `originators` (may be null) and names from `mesh`. */
	function neighbors(nb, orig, mesh) {
		var tq = {};
		((orig && orig.originators) || []).forEach(function (o) {
			if (o.originator === o.next_hop && typeof o.tq === 'number') tq[o.originator] = o.tq;
		});
		var names = namesByMac(mesh);
		var list = (nb.neighbors || []).slice().sort(function (a, b) { return a.ifname.localeCompare(b.ifname) || a.neighbor.localeCompare(b.neighbor); });
		var empty = nb.state === 'up' ? 'No neighbours heard' : 'No neighbours: batman-adv ' + nb.mesh_interface + ' is ' + nb.state;
		return table('x0-neighbors', ['Neighbour', 'Node', 'Interface', 'Last seen', 'Link quality'], list.map(function (n) {
			return [el('code', null, [n.neighbor]), names[macHex(n.neighbor)] || '–', n.ifname, duration(n.last_seen_ms) + ' ago', quality(n, tq)];
		}), empty);
	}

	/**
	 * Incidents (newest first) with their evidence; `controls(incident)` may return nodes
	 * for a last column (the hosts put their heal buttons there).
	 */
	function incidents(list, nowMs, controls) {
		var headers = ['Incident', 'Kind', 'Target', 'Severity', 'Since', 'Evidence'];
		if (controls) headers.push('Heal');
		return table('x0-incidents', headers, list.map(function (i) {
			var row = [el('code', null, [i.id]), i.kind, el('code', null, [i.target]), badge(i.severity, i.severity === 'critical' ? 'bad' : 'warn'), ago(i.started_at_ms, nowMs), i.evidence];
			if (controls) row.push(controls(i));
			return row;
		}), 'No open incidents');
	}

	var RESULT_KIND = { done: 'ok', planned: 'ok', advised: 'warn', refused: 'warn', failed: 'bad', 'rolled-back': 'warn' };

	/** Recent actions (audit records, newest first) with the evidence they acted on. */
	function actions(list, nowMs) {
		return table('x0-actions', ['When', 'Action', 'Target', 'Result', 'By', 'Evidence', 'Detail'], list.map(function (a) {
			return [
				ago(a.at_ms, nowMs),
				a.action,
				el('code', null, [a.target]),
				badge(a.result, RESULT_KIND[a.result] || 'warn'),
				a.origin + (a.policy ? ' (' + a.policy + ')' : '') + ', ' + a.mode,
				a.evidence,
				a.detail || a.reason,
			];
		}), 'No actions yet');
	}

	/** The answer to a heal request: result, plan, what became of it. */
	function healAnswer(r) {
		var lines = [
			el('strong', null, [(r.dry_run ? 'Dry run: ' : '') + r.result]),
			r.action ? ' ' + r.action.kind + ' ' + r.action.target : '',
		];
		var facts = [];
		if (r.incident) facts.push(['Incident', r.incident.id + ' ' + r.incident.kind + ' ' + r.incident.target]);
		if (r.action) facts.push(['Plan', r.action.reason + (r.action.reversible ? ' (verified, rolled back if worse)' : '')]);
		facts.push([r.result === 'refused' ? 'Why' : 'Result', r.detail]);
		facts.push(['Mode', r.mode]);
		if (r.audit_id) facts.push(['Audit', r.audit_id]);
		return el('div', { class: 'x0-heal-answer x0-' + (RESULT_KIND[r.result] || 'warn') }, [el('p', null, lines), el('table', { class: 'table x0-facts' }, facts.map(function (f) {
			return el('tr', { class: 'tr' }, [el('th', { class: 'th' }, [f[0]]), el('td', { class: 'td' }, [f[1]])]);
		}))]);
	}

	/**
	 * The mesh as the alfred view tells it: one circle per node (coloured by health,
	 * grey when its summary is older than staleMs), a line between two nodes when one
	 * hears the other (solid: both ways; dashed: only one way, e.g. a deaf radio).
	 */
	function topology(mesh, nowMs, staleMs) {
		var nodes = ((mesh && mesh.nodes) || []).filter(function (n) { return n.summary; });
		if (!nodes.length) return note(mesh && mesh.error ? 'No mesh view: ' + mesh.error : 'No node summaries from alfred yet', 'warn');
		var byMac = {};
		nodes.forEach(function (n, i) {
			(n.summary.ifs || []).forEach(function (m) { byMac[m] = i; });
			byMac[macHex(n.source)] = i;
		});
		var hears = {};
		nodes.forEach(function (n, i) {
			(n.summary.heard || []).forEach(function (h) {
				var j = byMac[h[0]];
				if (j !== undefined && j !== i) hears[i + '>' + j] = true;
			});
		});
		var W = 480, H = 320, cx = W / 2, cy = H / 2, r = nodes.length > 1 ? Math.min(W, H) / 2 - 48 : 0;
		var pos = nodes.map(function (_, i) {
			var a = -Math.PI / 2 + (2 * Math.PI * i) / nodes.length;
			return [Math.round(cx + r * Math.cos(a)), Math.round(cy + r * Math.sin(a))];
		});
		var edges = [];
		for (var i = 0; i < nodes.length; i++) {
			for (var j = i + 1; j < nodes.length; j++) {
				var ab = hears[i + '>' + j], ba = hears[j + '>' + i];
				if (!ab && !ba) continue;
				edges.push(svg('line', {
					class: 'x0-edge' + (ab && ba ? '' : ' x0-oneway'),
					x1: pos[i][0], y1: pos[i][1], x2: pos[j][0], y2: pos[j][1],
					stroke: '#678', 'stroke-width': 2, 'stroke-dasharray': ab && ba ? null : '6 4',
					'data-a': nodes[i].summary.name, 'data-b': nodes[j].summary.name,
				}, [svg('title', null, [nodes[i].summary.name + (ab && ba ? ' ⇄ ' : ab ? ' → ' : ' ← ') + nodes[j].summary.name])]));
			}
		}
		var COLORS = { ok: '#2e7d32', degraded: '#ef6c00', critical: '#c62828' };
		// Two nodes with one name (e.g. the default hostname) get their address's tail.
		var seen = {};
		nodes.forEach(function (n) { seen[n.summary.name] = (seen[n.summary.name] || 0) + 1; });
		var circles = nodes.map(function (n, k) {
			var s = n.summary;
			var name = seen[s.name] > 1 ? s.name + ' ' + String(n.source).slice(-5) : s.name;
			var at = typeof s.ms === 'number' ? s.ms : s.t * 1000;
			var stale = nowMs - at > staleMs;
			var fill = stale ? '#9e9e9e' : COLORS[s.health] || '#9e9e9e';
			var label = name + (s.open ? ' (' + s.open + ')' : '');
			return svg('g', { class: 'x0-node', 'data-name': s.name, 'data-source': n.source, 'data-health': stale ? 'stale' : s.health }, [
				svg('circle', { cx: pos[k][0], cy: pos[k][1], r: 14, fill: fill, stroke: '#fff', 'stroke-width': 2 }),
				svg('text', { x: pos[k][0], y: pos[k][1] + 30, 'text-anchor': 'middle', 'font-size': 12, fill: 'currentColor' }, [label]),
				svg('title', null, [name + ': ' + (stale ? 'stale, ' : '') + s.health + ', ' + s.open + ' open incident(s)' + (s.kinds.length ? ' (' + s.kinds.join(', ') + ')' : '') + ', mode ' + s.mode + ', ' + s.neighbors + ' neighbours, summary ' + ago(at, nowMs)]),
			]);
		});
		return svg('svg', { class: 'x0-topology', viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img', 'aria-label': 'mesh topology: ' + nodes.length + ' nodes, ' + edges.length + ' links' }, edges.concat(circles));
	}

	/** One small chart per link: its metric over the shared time axis, gaps where unmeasured. */
	function linkCharts(hist, names) {
		var links = (hist && hist.links) || [];
		if (!links.length) return note('No link samples yet', 'warn');
		names = names || {};
		var t = hist.times_ms, W = 360, H = 64, t0 = t[0], span = Math.max(1, t[t.length - 1] - t0);
		return el('div', { class: 'x0-links' }, links.map(function (l) {
			var off = t.length - l.values.length;
			var max = l.metric === 'tq' ? 255 : Math.max.apply(null, [1].concat(l.values.filter(function (v) { return v !== null; })));
			var segs = [], cur = [];
			l.values.forEach(function (v, i) {
				if (v === null) {
					if (cur.length) segs.push(cur);
					cur = [];
					return;
				}
				cur.push(Math.round(((t[off + i] - t0) / span) * (W - 2) + 1) + ',' + Math.round(H - 2 - (v / max) * (H - 4)));
			});
			if (cur.length) segs.push(cur);
			var last = l.values.length ? l.values[l.values.length - 1] : null;
			var fmt = function (v) { return v === null ? '–' : l.metric === 'tq' ? 'TQ ' + v : (v / 1000).toFixed(1) + ' Mbit/s'; };
			var who = names[macHex(l.neighbor)];
			return el('figure', { class: 'x0-link' + (l.live ? '' : ' x0-dead'), 'data-link': l.ifname + '/' + l.neighbor }, [
				svg('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img', 'aria-label': l.metric + ' of ' + l.neighbor + ' over ' + duration(span) }, [
					svg('rect', { x: 0, y: 0, width: W, height: H, fill: 'none', stroke: '#ccc' }),
				].concat(segs.map(function (s) {
					return s.length === 1
						? svg('circle', { cx: s[0].split(',')[0], cy: s[0].split(',')[1], r: 1.5, fill: '#1565c0' })
						: svg('polyline', { points: s.join(' '), fill: 'none', stroke: '#1565c0', 'stroke-width': 1.5 });
				}))),
				el('figcaption', null, [
					el('code', null, [l.neighbor]), who ? ' (' + who + ')' : '', ' on ' + l.ifname + ': ' + (l.live ? 'now ' + fmt(last) : 'not heard'),
					l.baseline !== null ? ', usual ' + fmt(l.baseline) : '', ', last ' + duration(span),
				]),
			]);
		}));
	}

	return {
		el: el,
		duration: duration,
		ago: ago,
		macHex: macHex,
		table: table,
		note: note,
		unavailable: unavailable,
		health: health,
		namesByMac: namesByMac,
		neighbors: neighbors,
		incidents: incidents,
		actions: actions,
		healAnswer: healAnswer,
		topology: topology,
		linkCharts: linkCharts,
	};
})();
