@NullMarked
package io.e2i.featurestore.postgres;

import org.jspecify.annotations.NullMarked;
