'use strict';
'require view';
'require dom';
'require poll';
'require rpc';
'require ui';
'require x0tta6bl4.render as render';

// Status > Mesh self-healing: the x0tta6bl4 agent over ubus (object x0tta6bl4, the
// methods of runtime/src/api/methods.ts; rights from the luci-app-x0tta6bl4 ACL:
// read for everything but heal and mode). The tables, graph and charts come from
// x0tta6bl4/render.js, the same functions the agent's own dashboard uses.

var callStatus = rpc.declare({ object: 'x0tta6bl4', method: 'status' });
var callNeighbors = rpc.declare({ object: 'x0tta6bl4', method: 'neighbors' });
var callOriginators = rpc.declare({ object: 'x0tta6bl4', method: 'originators' });
var callIncidents = rpc.declare({ object: 'x0tta6bl4', method: 'incidents', params: [ 'open', 'limit' ] });
var callActions = rpc.declare({ object: 'x0tta6bl4', method: 'actions', params: [ 'limit' ] });
var callMesh = rpc.declare({ object: 'x0tta6bl4', method: 'mesh' });
var callLinks = rpc.declare({ object: 'x0tta6bl4', method: 'links', params: [ 'samples' ] });
var callMode = rpc.declare({ object: 'x0tta6bl4', method: 'mode', params: [ 'set' ] });
var callHeal = rpc.declare({ object: 'x0tta6bl4', method: 'heal', params: [ 'incident', 'dry_run' ] });

var STALE_MS = 120000;

/* The few classes of render.js a LuCI theme has no style for (the dashboard has its own CSS). */
var CSS = '.x0-badge{padding:0 .4em;border-radius:3px;color:#fff}' +
	'.x0-badge.x0-ok{background:#2e7d32}.x0-badge.x0-warn{background:#ef6c00}.x0-badge.x0-bad{background:#c62828}' +
	'.x0-note.x0-bad{color:#b71c1c;font-weight:bold}.x0-note.x0-warn{color:#8a4b00}' +
	'.x0-links{display:flex;flex-wrap:wrap;gap:.5em}.x0-link{margin:0}.x0-dead{opacity:.6}.x0-topology{max-width:100%;height:auto}';

/*
 * A ubus reply as {ok, data} or {ok: false, message}: rpc resolves a failed call with
 * its status code, or with the data the agent sent before the status, which for a
 * failure is {error} alone (a success may carry an error field among others, as mesh
 * does); it rejects when the object is missing (agent not running) or the session
 * lacks the right.
 */
function outcome(promise) {
	return Promise.resolve(promise).then(function(reply) {
		if (typeof(reply) == 'number')
			return { ok: false, message: rpc.getStatusText(reply) };
		if (reply == null || typeof(reply) != 'object')
			return { ok: false, message: _('No data received') };
		if (typeof(reply.error) == 'string' && Object.keys(reply).length == 1)
			return { ok: false, message: reply.error };
		return { ok: true, data: reply };
	}, function(err) {
		return { ok: false, message: err.message || String(err) };
	});
}

return view.extend({
	fetch: function() {
		return Promise.all([
			outcome(callStatus()),
			outcome(callNeighbors()),
			outcome(callOriginators()),
			outcome(callIncidents(true, 50)),
			outcome(callActions(20)),
			outcome(callMesh()),
			outcome(callLinks(60))
		]);
	},

	load: function() {
		return this.fetch();
	},

	handleMode: function(ev) {
		var select = ev.target;
		return outcome(callMode(select.value)).then(L.bind(function(r) {
			if (!r.ok)
				ui.addNotification(null, E('p', [ _('Cannot change the mode: ') + r.message ]), 'error');
			return this.refresh();
		}, this));
	},

	handleHeal: function(id, dryRun) {
		return outcome(callHeal(id, dryRun)).then(L.bind(function(r) {
			ui.showModal(dryRun ? _('Dry run of a heal') : _('Heal'), [
				r.ok ? render.healAnswer(r.data) : render.unavailable(_('Heal') + ' ' + id, r.message),
				E('div', { 'class': 'right' }, [
					E('button', { 'class': 'btn', 'click': ui.hideModal }, [ _('Dismiss') ])
				])
			]);
			if (!dryRun)
				return this.refresh();
		}, this));
	},

	healButtons: function(incident) {
		return E('span', {}, [
			E('button', {
				'class': 'cbi-button cbi-button-neutral x0-dry-run',
				'click': ui.createHandlerFn(this, 'handleHeal', incident.id, true)
			}, [ _('Dry run') ]),
			' ',
			E('button', {
				'class': 'cbi-button cbi-button-action x0-heal',
				'click': ui.createHandlerFn(this, 'handleHeal', incident.id, false)
			}, [ _('Heal now') ])
		]);
	},

	update: function(data) {
		var now = Date.now();
		var st = data[0], nb = data[1], orig = data[2], inc = data[3], act = data[4], mesh = data[5], links = data[6];
		var meshData = mesh.ok ? mesh.data : null;
		var select = document.getElementById('x0-mode');

		if (select && st.ok && st.data.mode && document.activeElement !== select)
			select.value = st.data.mode;
		if (select)
			select.disabled = !(st.ok && st.data.mode);

		dom.content(this.nodes.health, st.ok ? render.health(st.data) : render.unavailable(_('The agent'), st.message));
		dom.content(this.nodes.neighbors, nb.ok ? render.neighbors(nb.data, orig.ok ? orig.data : null, meshData) : render.unavailable(_('Neighbours'), nb.message));
		dom.content(this.nodes.incidents, inc.ok ? render.incidents(inc.data.incidents, now, L.bind(this.healButtons, this)) : render.unavailable(_('Incidents'), inc.message));
		dom.content(this.nodes.actions, act.ok ? render.actions(act.data.actions, now) : render.unavailable(_('Actions'), act.message));
		dom.content(this.nodes.topology, mesh.ok ? render.topology(meshData, now, STALE_MS) : render.unavailable(_('Mesh view'), mesh.message));
		dom.content(this.nodes.links, links.ok ? render.linkCharts(links.data, render.namesByMac(meshData)) : render.unavailable(_('Link history'), links.message));
	},

	refresh: function() {
		return this.fetch().then(L.bind(this.update, this));
	},

	render: function(data) {
		var section = function(title, node) {
			return E('div', { 'class': 'cbi-section' }, [ E('h3', [ title ]), node ]);
		};

		this.nodes = {
			health: E('div', { 'id': 'x0-health-box' }),
			neighbors: E('div', { 'id': 'x0-neighbors-box' }),
			incidents: E('div', { 'id': 'x0-incidents-box' }),
			actions: E('div', { 'id': 'x0-actions-box' }),
			topology: E('div', { 'id': 'x0-topology-box' }),
			links: E('div', { 'id': 'x0-links-box' })
		};

		var mode = E('select', {
			'id': 'x0-mode',
			'class': 'cbi-input-select',
			'change': ui.createHandlerFn(this, 'handleMode')
		}, [
			E('option', { 'value': 'auto' }, [ _('auto: heal') ]),
			E('option', { 'value': 'advise' }, [ _('advise: only propose') ]),
			E('option', { 'value': 'off' }, [ _('off') ])
		]);

		var page = E([], [
			E('style', {}, [ CSS ]),
			E('h2', [ _('Mesh self-healing') ]),
			E('div', { 'class': 'cbi-map-descr' }, [ _('What the x0tta6bl4 agent sees of the batman-adv mesh, what it found wrong and what it did about it.') ]),
			section(_('Node'), E('div', {}, [
				this.nodes.health,
				E('p', {}, [ E('label', { 'for': 'x0-mode' }, [ _('Healing mode') + ' ' ]), mode ])
			])),
			section(_('Neighbours'), this.nodes.neighbors),
			section(_('Open incidents'), this.nodes.incidents),
			section(_('Recent actions'), this.nodes.actions),
			section(_('Mesh'), this.nodes.topology),
			section(_('Link quality'), this.nodes.links)
		]);

		this.update(data);
		if (data[0].ok && data[0].data.mode)
			mode.value = data[0].data.mode;
		mode.disabled = !(data[0].ok && data[0].data.mode);

		poll.add(L.bind(this.refresh, this), 5);

		return page;
	},

	handleSaveApply: null,
	handleSave: null,
	handleReset: null
});
