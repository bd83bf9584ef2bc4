/**
 * Explicit native-memory scopes. ND4J arrays live off-heap; relying on the garbage collector to
 * release them makes long training loops grow. A {@link org.bml.core.memory.MemoryScope} puts
 * every array allocated inside it into a reusable ND4J workspace that is recycled when the scope
 * closes, so a loop of identical steps runs in constant native memory.
 */
package org.bml.core.memory;
