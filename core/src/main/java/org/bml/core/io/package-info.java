/** Small formats written by the toolkit's run files and reports (JSON lines). */
package org.bml.core.io;
