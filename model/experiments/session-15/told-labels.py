# Session 15: detectors ranked on z-scores from a normaliser told the labels (told-labels-dump.ts):
# Isolation Forest, the shipped float networks (error without the link network's two largest
# terms; "ae+far" adds the out-of-range test), the farthest |z| alone, and a supervised MLP
# trained on the training runs' selection kinds. Prints AUC, recall at 0.1 % and 1 % false
# alarms, the F1 at the quantile picked on the training runs, and the AUC per fault kind.
#   /usr/bin/python3 told-labels.py link|node DIR   (NOMLP=1 leaves the MLP out)
import sys, numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.neural_network import MLPClassifier
from sklearn.metrics import roc_auc_score
SEL=['loss','flap','link-down','node-crash']
target=sys.argv[1]
rows=[l.rstrip('\n').split(',') for l in open(f'{sys.argv[2]}/{target}.csv')]
run=np.array([r[0] for r in rows]); y=np.array([r[1] for r in rows]); far=np.array([float(r[6]) for r in rows])
X=np.array([[float(v) for v in r[7:]] for r in rows])
train=np.isin(run,['ulm-b','ulm-probes'])
ev=(~train)&(y!='recovery')&(y!='setup')
normal=y=='normal'
fit_idx=np.where(train&normal)[0]
fit_idx=fit_idx[np.linspace(0,len(fit_idx)-1,min(30000,len(fit_idx))).astype(int)]
iforest=IsolationForest(n_estimators=200,max_samples=256,random_state=9).fit(X[fit_idx])
s_if=-iforest.score_samples(X)
# supervised: normal vs selection kinds, training runs only
sup=np.where(train&(normal|np.isin(y,SEL)))[0]
Xs=X[sup]; ys=np.isin(y[sup],SEL).astype(int)
pos=np.where(ys==1)[0]; neg=np.where(ys==0)[0]
rep=max(1,len(neg)//(len(pos)*4))
idx=np.concatenate([neg,np.repeat(pos,rep)])
import json
res={}
net=[n for n in json.load(open('model/float-network.json'))['networks'] if n['target']==target][0]
h=X
for L in net['net']['layers']:
  W=np.array(L['weights']).reshape(L['outDim'],L['inDim']); h=h@W.T+np.array(L['bias'])
  if L['activation']=='relu': h=np.maximum(h,0)
sq=np.sort((h-X)**2,axis=1)
trim=2 if target=='link' else 0
ae=sq[:,:sq.shape[1]-trim].sum(axis=1)
res['ae']=ae
res['ae+far']=np.where(far>=(10 if target=='link' else 12),1e9+far,ae)
import os
for h in ([] if os.environ.get('NOMLP') else [(12,),(8,),(12,6)]):
  m=MLPClassifier(hidden_layer_sizes=h,alpha=1e-3,max_iter=300,random_state=9).fit(Xs[idx],ys[idx])
  res[f'mlp{h}']=m.predict_proba(X)[:,1]
res['iforest']=s_if
# also farthest z as a score
res['farz']=far
def report(name,s):
  e=ev; yy=(y[e]!='normal').astype(int); ss=s[e]
  auc=roc_auc_score(yy,ss)
  neg=np.sort(ss[yy==0])
  out=[f'{name:14s} AUC {auc:.3f}']
  for fpr in [0.001,0.01]:
    t=neg[int(len(neg)*(1-fpr))]
    out.append(f'rec@{fpr} {np.mean(ss[yy==1]>t):.3f}')
  # threshold from training normal quantile, pick best F1 on training selection rows
  trn=train&(normal|np.isin(y,SEL)); tn=np.sort(s[train&normal])
  best=None
  for q in [0.9,0.95,0.98,0.99,0.995,0.999]:
    t=tn[int(len(tn)*q)]
    p=s[trn]>=t; lab=np.isin(y[trn],SEL)
    tp=np.sum(p&lab); fp=np.sum(p&~lab); fn=np.sum(~p&lab)
    f1=2*tp/(2*tp+fp+fn)
    if best is None or f1>best[0]: best=(f1,q,t)
  t=best[2]; p=ss>=t
  tp=np.sum(p&(yy==1)); fp=np.sum(p&(yy==0)); fn=np.sum(~p&(yy==1))
  out.append(f'q {best[1]} F1 {2*tp/(2*tp+fp+fn):.3f} (P {tp/max(1,tp+fp):.3f} R {tp/(tp+fn):.3f})')
  kinds=[]
  for k in sorted(set(y[e])-{'normal'}):
    m=(y[e]==k)|(yy==0)
    kinds.append(f'{k}:{roc_auc_score((y[e][m]==k).astype(int),ss[m]):.2f}')
  out.append(' '.join(kinds))
  print('  '.join(out))
for k,v in res.items(): report(k,v)
