/**
 * Isolated node: the mesh interface exists but no neighbour on any hard interface
 * is live, for isolated_cycles cycles. (A mesh that is "absent" or a kernel
 * without batman-adv is not judged: that is a setup problem, not isolation.)
 */
import type { Detector, Hysteresis } from '../detector.js';
import type { MeshView } from '../monitor.js';
import type { LoopConfig } from '../settings.js';
import type { Observation } from '../types.js';

export class IsolatedNodeDetector implements Detector {
  readonly kind = 'isolated-node' as const;
  readonly enabled = true;

  constructor(private readonly config: () => LoopConfig) {}

  get hysteresis(): Hysteresis {
    return { raiseAfter: this.config().isolatedCycles, clearAfter: 3 };
  }

  observe(view: MeshView): Observation[] {
    const node = view.node;
    if (node.meshState !== 'up' && node.meshState !== 'down') return [];
    const present = [...view.links.values()].filter((l) => l.present).length;
    return [
      {
        target: 'node',
        bad: node.liveNeighbors === 0,
        severity: 'critical',
        evidence: {
          summary:
            node.liveNeighbors === 0
              ? `no live neighbour on ${view.interfaces.size} hard interface(s) of ${view.meshIfname} (mesh ${node.meshState})`
              : `${node.liveNeighbors} live neighbour(s)`,
          values: {
            meshState: node.meshState,
            hardInterfaces: view.interfaces.size,
            liveNeighbors: node.liveNeighbors,
            neighborsInTable: present,
            reachableOriginators: node.reachableOriginators,
          },
        },
      },
    ];
  }
}
