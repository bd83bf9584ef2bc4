package org.bml.inference.contract;

import org.bml.inference.MetaObjective;

/** {@link MetaObjectiveContract} for the query loss at the posterior's mode (MAML's objective). */
class QueryLossAtModeContractTest extends MetaObjectiveContract {
  @Override
  protected MetaObjective objective() {
    return MetaObjective.queryLossAtMode();
  }
}
