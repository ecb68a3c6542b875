@NullMarked
package io.e2i.featurestore.embedded;

import org.jspecify.annotations.NullMarked;
