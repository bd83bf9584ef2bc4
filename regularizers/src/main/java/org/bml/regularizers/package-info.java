/** Meta-regularizers usable with any gradient-based method (MR-MAML). */
package org.bml.regularizers;
