// x0tta6bl4 dashboard: fetches the agent's API (same origin), renders with
// X0Render (render.js), refreshes every 5 s, and sends the two changes an operator
// may make: the healing mode and heal requests (with a dry run first).
(function () {
	'use strict';
	var R = X0Render;
	var POLL_MS = 5000;
	var STALE_MS = 120000;
	var $ = function (id) { return document.getElementById(id); };

	/** One API call: {ok, data} or {ok: false, message}. */
	function api(method, args, post) {
		var url = '/api/' + method;
		var init = { method: post ? 'POST' : 'GET', cache: 'no-store', headers: {} };
		if (post) {
			init.headers['content-type'] = 'application/json';
			init.body = JSON.stringify(args || {});
		} else if (args) {
			url += '?' + Object.keys(args).map(function (k) { return encodeURIComponent(k) + '=' + encodeURIComponent(String(args[k])); }).join('&');
		}
		return fetch(url, init).then(function (res) {
			return res.json().then(function (body) {
				return res.ok ? { ok: true, data: body } : { ok: false, message: body.message || res.status + ' ' + res.statusText };
			});
		}).catch(function (e) {
			return { ok: false, message: 'the agent did not answer (' + e.message + ')' };
		});
	}

	function show(id, node) {
		var target = $(id);
		while (target.firstChild) target.removeChild(target.firstChild);
		target.appendChild(node);
	}

	function heal(incident, dryRun) {
		show('heal-result', R.note((dryRun ? 'Planning' : 'Healing') + ' ' + incident.id + '…'));
		return api('heal', { incident: incident.id, dry_run: dryRun }, true).then(function (r) {
			show('heal-result', r.ok ? R.healAnswer(r.data) : R.unavailable('Heal ' + incident.id, r.message));
			if (!dryRun) refresh();
		});
	}

	function healButtons(incident) {
		var dry = R.el('button', { type: 'button', class: 'x0-dry-run' }, ['Dry run']);
		var now = R.el('button', { type: 'button', class: 'x0-heal' }, ['Heal now']);
		dry.addEventListener('click', function () { heal(incident, true); });
		now.addEventListener('click', function () { heal(incident, false); });
		return R.el('span', { class: 'x0-buttons' }, [dry, ' ', now]);
	}

	var modeSelect = $('mode');
	modeSelect.addEventListener('change', function () {
		var want = modeSelect.value;
		modeSelect.disabled = true;
		api('mode', { set: want }, true).then(function (r) {
			modeSelect.disabled = false;
			show('mode-result', r.ok ? R.note('Mode is now ' + r.data.mode) : R.unavailable('Mode', r.message));
			refresh();
		});
	});

	var timer = null;
	function refresh() {
		if (timer !== null) clearTimeout(timer);
		timer = null;
		return Promise.all([
			api('status'),
			api('neighbors'),
			api('originators'),
			api('incidents', { open: true, limit: 50 }),
			api('actions', { limit: 20 }),
			api('mesh'),
			api('links', { samples: 60 }),
		]).then(function (r) {
			var now = Date.now();
			var st = r[0], nb = r[1], orig = r[2], inc = r[3], act = r[4], mesh = r[5], links = r[6];
			var meshData = mesh.ok ? mesh.data : null;
			show('health', st.ok ? R.health(st.data) : R.unavailable('Status', st.message));
			if (st.ok && st.data.mode && document.activeElement !== modeSelect) modeSelect.value = st.data.mode;
			modeSelect.disabled = !st.ok || !st.data.mode;
			show('neighbors', nb.ok ? R.neighbors(nb.data, orig.ok ? orig.data : null, meshData) : R.unavailable('Neighbours', nb.message));
			show('incidents', inc.ok ? R.incidents(inc.data.incidents, now, healButtons) : R.unavailable('Incidents', inc.message));
			show('actions', act.ok ? R.actions(act.data.actions, now) : R.unavailable('Actions', act.message));
			show('topology', mesh.ok ? R.topology(meshData, now, STALE_MS) : R.unavailable('Mesh view', mesh.message));
			show('links', links.ok ? R.linkCharts(links.data, R.namesByMac(meshData)) : R.unavailable('Link history', links.message));
			show('updated', R.note('Updated ' + new Date(now).toLocaleTimeString() + (st.ok ? '' : ': the agent did not answer')));
			document.body.setAttribute('data-updated', String(now));
		}).finally(function () {
			timer = setTimeout(refresh, POLL_MS);
		});
	}

	refresh();
})();
