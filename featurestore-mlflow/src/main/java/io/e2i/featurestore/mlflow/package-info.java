/**
 * MLflow tracking of feature definitions and statistics over MLflow's REST API, through a durable
 * journal so tracking never holds a write back.
 */
@NullMarked
package io.e2i.featurestore.mlflow;

import org.jspecify.annotations.NullMarked;
