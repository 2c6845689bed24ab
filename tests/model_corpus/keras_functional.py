"""Keras functional models: chains, nested calls, inline merges, branches (Add, Concatenate, Multiply,
Average), residual and inception blocks, several inputs/outputs, shared layers, tuple-unpacked calls,
attention, helper functions that return tensors."""

from __future__ import annotations

from typing import Any

from . import Case, dedent


def K(id: str, source: str, pattern: str, **kw: Any) -> Case:  # noqa: N802  (reads like a table row)
    return Case(id=f"keras-fn-{id}", framework="keras", source=dedent(source), pattern=pattern, **kw)


CASES: list[Case] = [
    K("chain-mnist", """
        import keras
        from keras import layers
        inputs = keras.Input(shape=(784,))
        x = layers.Dense(64, activation="relu")(inputs)
        x = layers.Dense(64, activation="relu")(x)
        outputs = layers.Dense(10)(x)
        model = keras.Model(inputs=inputs, outputs=outputs, name="mnist_model")
    """, "functional-chain"),
    K("chain-cnn-tf", """
        from tensorflow.keras.layers import Input, Conv2D, MaxPooling2D, Flatten, Dense
        from tensorflow.keras.models import Model
        inp = Input(shape=(32, 32, 3))
        x = Conv2D(32, (3, 3), activation='relu')(inp)
        x = MaxPooling2D((2, 2))(x)
        x = Conv2D(64, (3, 3), activation='relu')(x)
        x = Flatten()(x)
        out = Dense(10, activation='softmax')(x)
        model = Model(inp, out)
    """, "functional-chain"),
    K("nested-call-dropout", """
        import keras
        from keras import layers
        inputs = keras.Input((20,))
        x = layers.Dense(32, activation="relu")(inputs)
        x = layers.Dense(8)(layers.Dropout(0.1)(x))
        outputs = layers.Dense(1)(layers.Dense(4, activation="relu")(x))
        model = keras.Model(inputs, outputs)
    """, "nested-call"),
    K("nested-call-deep", """
        from tensorflow import keras
        from tensorflow.keras import layers
        inp = keras.Input((28, 28, 1))
        x = layers.MaxPooling2D()(layers.Conv2D(16, 3, activation="relu")(inp))
        x = layers.Flatten()(layers.MaxPooling2D()(layers.Conv2D(32, 3, activation="relu")(x)))
        out = layers.Dense(10, activation="softmax")(layers.Dropout(0.5)(x))
        model = keras.Model(inp, out)
    """, "nested-call"),
    K("nested-call-one-line", """
        import keras
        from keras import layers
        inp = keras.Input((16,))
        model = keras.Model(inp, layers.Dense(2)(layers.Dense(8, activation="relu")(layers.Dense(8)(inp))))
    """, "nested-call"),
    K("inline-add-layernorm", """
        import keras
        from keras import layers
        inputs = keras.Input((10, 32))
        x = layers.Dense(32)(inputs)
        x = layers.LayerNormalization()(layers.Add()([inputs, x]))
        outputs = layers.Dense(4)(layers.GlobalAveragePooling1D()(x))
        model = keras.Model(inputs, outputs)
    """, "inline-merge"),
    K("inline-concat", """
        import keras
        from keras import layers
        a = keras.Input((8,))
        b = keras.Input((4,))
        out = layers.Dense(1)(layers.Concatenate()([layers.Dense(16)(a), layers.Dense(16)(b)]))
        model = keras.Model([a, b], out)
    """, "inline-merge"),
    K("add-branches", """
        import keras
        from keras import layers
        inputs = keras.Input((32,))
        a = layers.Dense(16, activation="relu")(inputs)
        b = layers.Dense(16, activation="tanh")(inputs)
        x = layers.Add()([a, b])
        outputs = layers.Dense(1)(x)
        model = keras.Model(inputs, outputs)
    """, "branch-add"),
    K("add-function", """
        from tensorflow import keras
        from tensorflow.keras import layers
        inputs = keras.Input((32,))
        a = layers.Dense(16)(inputs)
        b = layers.Dense(16)(inputs)
        x = layers.add([a, b])
        outputs = layers.Dense(2)(x)
        model = keras.Model(inputs, outputs)
    """, "branch-add"),
    K("concatenate-axis", """
        import keras
        from keras import layers
        inputs = keras.Input((16, 16, 3))
        a = layers.Conv2D(8, 1, padding="same")(inputs)
        b = layers.Conv2D(8, 3, padding="same")(inputs)
        c = layers.Conv2D(4, 5, padding="same")(inputs)
        x = layers.Concatenate(axis=-1)([a, b, c])
        x = layers.GlobalAveragePooling2D()(x)
        model = keras.Model(inputs, layers.Dense(3)(x))
    """, "branch-concat"),
    K("concatenate-fn", """
        import keras
        from keras.layers import Input, Dense, concatenate
        from keras.models import Model
        visible = Input(shape=(10,))
        hidden1 = Dense(10, activation='relu')(visible)
        hidden2 = Dense(20, activation='relu')(visible)
        merge = concatenate([hidden1, hidden2])
        output = Dense(1, activation='sigmoid')(merge)
        model = Model(inputs=visible, outputs=output)
    """, "branch-concat"),
    K("multiply-gate", """
        import keras
        from keras import layers
        inputs = keras.Input((24,))
        h = layers.Dense(12)(inputs)
        gate = layers.Dense(12, activation="sigmoid")(inputs)
        x = layers.Multiply()([h, gate])
        model = keras.Model(inputs, layers.Dense(1)(x))
    """, "branch-multiply"),
    K("average-ensemble", """
        import keras
        from keras import layers
        inputs = keras.Input((10,))
        y1 = layers.Dense(3, activation="softmax")(layers.Dense(16, activation="relu")(inputs))
        y2 = layers.Dense(3, activation="softmax")(layers.Dense(8, activation="relu")(inputs))
        y3 = layers.Dense(3, activation="softmax")(inputs)
        outputs = layers.Average()([y1, y2, y3])
        model = keras.Model(inputs=inputs, outputs=outputs)
    """, "branch-average"),
    K("subtract-maximum", """
        import keras
        from keras import layers
        a = keras.Input((6,))
        b = keras.Input((6,))
        d = layers.Subtract()([layers.Dense(6)(a), layers.Dense(6)(b)])
        m = layers.Maximum()([d, layers.Dense(6)(a)])
        model = keras.Model(inputs=[a, b], outputs=layers.Dense(1)(m))
    """, "branch-merge"),
    K("residual-block", """
        import keras
        from keras import layers
        inputs = keras.Input(shape=(32, 32, 3), name="img")
        x = layers.Conv2D(32, 3, activation="relu")(inputs)
        x = layers.Conv2D(64, 3, activation="relu")(x)
        block_1_output = layers.MaxPooling2D(3)(x)

        x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_1_output)
        x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
        block_2_output = layers.add([x, block_1_output])

        x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_2_output)
        x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
        block_3_output = layers.add([x, block_2_output])

        x = layers.Conv2D(64, 3, activation="relu")(block_3_output)
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Dense(256, activation="relu")(x)
        x = layers.Dropout(0.5)(x)
        outputs = layers.Dense(10)(x)
        model = keras.Model(inputs, outputs, name="toy_resnet")
    """, "resnet-block"),
    K("residual-helper-def", """
        import keras
        from keras import layers

        def residual_block(x, filters, stride=1):
            shortcut = x
            y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)(x)
            y = layers.BatchNormalization()(y)
            y = layers.Activation("relu")(y)
            y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(y)
            y = layers.BatchNormalization()(y)
            if stride != 1 or x.shape[-1] != filters:
                shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False)(x)
                shortcut = layers.BatchNormalization()(shortcut)
            y = layers.Add()([y, shortcut])
            return layers.Activation("relu")(y)

        inputs = keras.Input((32, 32, 3))
        x = layers.Conv2D(16, 3, padding="same")(inputs)
        x = residual_block(x, 16)
        x = residual_block(x, 32, stride=2)
        x = residual_block(x, 64, stride=2)
        x = layers.GlobalAveragePooling2D()(x)
        outputs = layers.Dense(10, activation="softmax")(x)
        model = keras.Model(inputs, outputs)
    """, "resnet-block"),
    K("residual-loop", """
        import keras
        from keras import layers

        def res_block(x, filters):
            y = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
            y = layers.Conv2D(filters, 3, padding="same")(y)
            return layers.ReLU()(layers.Add()([x, y]))

        inp = keras.Input((16, 16, 8))
        x = inp
        for _ in range(3):
            x = res_block(x, 8)
        model = keras.Model(inp, layers.Dense(2)(layers.Flatten()(x)))
    """, "resnet-block"),
    K("inception-module", """
        from keras.layers import Input, Conv2D, MaxPooling2D, concatenate, GlobalAveragePooling2D, Dense
        from keras.models import Model

        def inception_module(layer_in, f1, f2_in, f2_out, f3_in, f3_out, f4_out):
            conv1 = Conv2D(f1, (1, 1), padding='same', activation='relu')(layer_in)
            conv3 = Conv2D(f2_in, (1, 1), padding='same', activation='relu')(layer_in)
            conv3 = Conv2D(f2_out, (3, 3), padding='same', activation='relu')(conv3)
            conv5 = Conv2D(f3_in, (1, 1), padding='same', activation='relu')(layer_in)
            conv5 = Conv2D(f3_out, (5, 5), padding='same', activation='relu')(conv5)
            pool = MaxPooling2D((3, 3), strides=(1, 1), padding='same')(layer_in)
            pool = Conv2D(f4_out, (1, 1), padding='same', activation='relu')(pool)
            layer_out = concatenate([conv1, conv3, conv5, pool], axis=-1)
            return layer_out

        visible = Input(shape=(256, 256, 3))
        layer = inception_module(visible, 64, 96, 128, 16, 32, 32)
        layer = inception_module(layer, 128, 128, 192, 32, 96, 64)
        out = Dense(5)(GlobalAveragePooling2D()(layer))
        model = Model(inputs=visible, outputs=out)
    """, "inception-block"),
    K("multi-input-output-docs", """
        import keras
        from keras import layers
        num_tags = 12
        num_words = 10000
        num_departments = 4
        title_input = keras.Input(shape=(None,), name="title")
        body_input = keras.Input(shape=(None,), name="body")
        tags_input = keras.Input(shape=(num_tags,), name="tags")
        title_features = layers.Embedding(num_words, 64)(title_input)
        body_features = layers.Embedding(num_words, 64)(body_input)
        title_features = layers.LSTM(128)(title_features)
        body_features = layers.LSTM(32)(body_features)
        x = layers.concatenate([title_features, body_features, tags_input])
        priority_pred = layers.Dense(1, name="priority")(x)
        department_pred = layers.Dense(num_departments, name="department")(x)
        model = keras.Model(
            inputs=[title_input, body_input, tags_input],
            outputs={"priority": priority_pred, "department": department_pred},
        )
    """, "multi-io"),
    K("multi-output-list", """
        import keras
        from keras import layers
        inputs = keras.Input((64,))
        shared = layers.Dense(32, activation="relu")(inputs)
        age = layers.Dense(1, name="age")(shared)
        gender = layers.Dense(2, activation="softmax", name="gender")(shared)
        model = keras.Model(inputs=[inputs], outputs=[age, gender])
    """, "multi-io"),
    K("two-inputs-list", """
        from tensorflow import keras
        from tensorflow.keras import layers
        image = keras.Input((32, 32, 3))
        meta = keras.Input((5,))
        x = layers.Conv2D(8, 3, activation="relu")(image)
        x = layers.GlobalMaxPooling2D()(x)
        x = layers.concatenate([x, meta])
        y = layers.Dense(1, activation="sigmoid")(x)
        model = keras.Model(inputs=[image, meta], outputs=[y])
    """, "multi-io"),
    K("shared-dense-twice", """
        import keras
        from keras import layers
        a = keras.Input((10,))
        b = keras.Input((10,))
        shared = layers.Dense(16, activation="relu")
        x = layers.concatenate([shared(a), shared(b)])
        model = keras.Model([a, b], layers.Dense(1)(x))
    """, "shared-layer"),
    K("shared-lstm-docs", """
        import keras
        from keras import layers
        tweet_a = keras.Input(shape=(280, 256))
        tweet_b = keras.Input(shape=(280, 256))
        shared_lstm = layers.LSTM(64)
        encoded_a = shared_lstm(tweet_a)
        encoded_b = shared_lstm(tweet_b)
        merged_vector = layers.concatenate([encoded_a, encoded_b], axis=-1)
        predictions = layers.Dense(1, activation="sigmoid")(merged_vector)
        model = keras.Model(inputs=[tweet_a, tweet_b], outputs=predictions)
    """, "shared-layer"),
    K("shared-embedding-siamese", """
        from tensorflow import keras
        from tensorflow.keras import layers
        left = keras.Input((20,))
        right = keras.Input((20,))
        embed = layers.Embedding(1000, 32)
        pool = layers.GlobalAveragePooling1D()
        l = pool(embed(left))
        r = pool(embed(right))
        diff = layers.Subtract()([l, r])
        model = keras.Model([left, right], layers.Dense(1, activation="sigmoid")(diff))
    """, "shared-layer"),
    K("shared-conv-same-input", """
        import keras
        from keras import layers
        inp = keras.Input((28, 28, 1))
        conv = layers.Conv2D(1, 3, padding="same")
        x = conv(inp)
        x = conv(x)
        x = conv(x)
        model = keras.Model(inp, layers.Dense(10)(layers.Flatten()(x)))
    """, "shared-layer"),
    K("lstm-return-state", """
        import keras
        from keras import layers
        inputs = keras.Input((None, 16))
        x, h, c = layers.LSTM(32, return_state=True)(inputs)
        outputs = layers.Dense(1)(layers.concatenate([x, h, c]))
        model = keras.Model(inputs, outputs)
    """, "tuple-unpack"),
    K("seq2seq-encoder-decoder", """
        import keras
        from keras.layers import Input, LSTM, Dense
        from keras.models import Model
        num_encoder_tokens = 71
        num_decoder_tokens = 93
        latent_dim = 256
        encoder_inputs = Input(shape=(None, num_encoder_tokens))
        encoder = LSTM(latent_dim, return_state=True)
        encoder_outputs, state_h, state_c = encoder(encoder_inputs)
        encoder_states = [state_h, state_c]
        decoder_inputs = Input(shape=(None, num_decoder_tokens))
        decoder_lstm = LSTM(latent_dim, return_sequences=True, return_state=True)
        decoder_outputs, _, _ = decoder_lstm(decoder_inputs, initial_state=encoder_states)
        decoder_dense = Dense(num_decoder_tokens, activation='softmax')
        decoder_outputs = decoder_dense(decoder_outputs)
        model = Model([encoder_inputs, decoder_inputs], decoder_outputs)
    """, "tuple-unpack"),
    K("gru-return-state", """
        from tensorflow import keras
        from tensorflow.keras import layers
        inputs = keras.Input((12, 4))
        seq, state = layers.GRU(20, return_sequences=True, return_state=True)(inputs)
        x = layers.GlobalAveragePooling1D()(seq)
        model = keras.Model(inputs, [layers.Dense(1)(x), layers.Dense(2)(state)])
    """, "tuple-unpack"),
    K("bidirectional-return-state", """
        import keras
        from keras import layers
        inputs = keras.Input((15, 8))
        out, fh, fc, bh, bc = layers.Bidirectional(layers.LSTM(16, return_state=True))(inputs)
        model = keras.Model(inputs, layers.Dense(1)(layers.concatenate([out, fh, bh])))
    """, "tuple-unpack"),
    K("mha-self-attention", """
        import keras
        from keras import layers
        inputs = keras.Input(shape=(50, 64))
        attn = layers.MultiHeadAttention(num_heads=4, key_dim=16)(inputs, inputs)
        x = layers.LayerNormalization(epsilon=1e-6)(inputs + attn)
        ffn = layers.Dense(128, activation="relu")(x)
        ffn = layers.Dense(64)(ffn)
        x = layers.LayerNormalization(epsilon=1e-6)(x + ffn)
        x = layers.GlobalAveragePooling1D()(x)
        outputs = layers.Dense(2, activation="softmax")(x)
        model = keras.Model(inputs, outputs)
    """, "multi-head-attention"),
    K("transformer-block-def", """
        import keras
        from keras import layers

        def transformer_encoder(inputs, head_size, num_heads, ff_dim, dropout=0):
            x = layers.MultiHeadAttention(key_dim=head_size, num_heads=num_heads, dropout=dropout)(inputs, inputs)
            x = layers.Dropout(dropout)(x)
            x = layers.LayerNormalization(epsilon=1e-6)(x)
            res = x + inputs
            x = layers.Conv1D(filters=ff_dim, kernel_size=1, activation="relu")(res)
            x = layers.Dropout(dropout)(x)
            x = layers.Conv1D(filters=inputs.shape[-1], kernel_size=1)(x)
            x = layers.LayerNormalization(epsilon=1e-6)(x)
            return x + res

        inputs = keras.Input(shape=(500, 1))
        x = inputs
        for _ in range(4):
            x = transformer_encoder(x, 256, 4, 4, 0.25)
        x = layers.GlobalAveragePooling1D(data_format="channels_last")(x)
        x = layers.Dense(128, activation="relu")(x)
        outputs = layers.Dense(2, activation="softmax")(x)
        model = keras.Model(inputs, outputs)
    """, "multi-head-attention"),
    K("mha-cross-value-dim", """
        import keras
        from keras import layers
        q = keras.Input((8, 32))
        kv = keras.Input((12, 24))
        out = layers.MultiHeadAttention(num_heads=2, key_dim=8, value_dim=10, output_shape=16)(q, kv)
        model = keras.Model([q, kv], out)
    """, "multi-head-attention"),
    K("lambda-output-shape", """
        import keras
        from keras import layers, ops
        inputs = keras.Input((10,))
        x = layers.Dense(6)(inputs)
        x = layers.Lambda(lambda t: ops.square(t), output_shape=(6,))(x)
        y = layers.Lambda(lambda t: t[:, :3], output_shape=(3,))(x)
        model = keras.Model(inputs, layers.Dense(1)(y))
    """, "lambda"),
    K("conv2dtranspose-unet-ish", """
        import keras
        from keras import layers
        inputs = keras.Input((64, 64, 3))
        c1 = layers.Conv2D(16, 3, activation="relu", padding="same")(inputs)
        p1 = layers.MaxPooling2D()(c1)
        c2 = layers.Conv2D(32, 3, activation="relu", padding="same")(p1)
        p2 = layers.MaxPooling2D()(c2)
        b = layers.Conv2D(64, 3, activation="relu", padding="same")(p2)
        u2 = layers.Conv2DTranspose(32, 2, strides=2, padding="same")(b)
        u2 = layers.concatenate([u2, c2])
        c3 = layers.Conv2D(32, 3, activation="relu", padding="same")(u2)
        u1 = layers.Conv2DTranspose(16, (2, 2), strides=(2, 2), padding="same")(c3)
        u1 = layers.concatenate([u1, c1])
        c4 = layers.Conv2D(16, 3, activation="relu", padding="same")(u1)
        outputs = layers.Conv2D(1, 1, activation="sigmoid")(c4)
        model = keras.Model(inputs=[inputs], outputs=[outputs])
    """, "unet"),
    K("conv2dtranspose-output-padding", """
        import keras
        from keras import layers
        z = keras.Input((7, 7, 32))
        x = layers.Conv2DTranspose(16, 3, strides=2, padding="same", output_padding=1)(z)
        x = layers.Conv2DTranspose(8, 3, strides=2, output_padding=1)(x)
        model = keras.Model(z, x)
    """, "conv-transpose"),
    K("def-returns-model", """
        import keras
        from keras import layers

        def get_model(input_dim, n_classes):
            inputs = keras.Input(shape=(input_dim,))
            x = layers.Dense(128, activation="relu")(inputs)
            x = layers.BatchNormalization()(x)
            x = layers.Dropout(0.2)(x)
            outputs = layers.Dense(n_classes, activation="softmax")(x)
            return keras.Model(inputs, outputs)

        model = get_model(30, 5)
    """, "def-returns-model"),
    K("def-returns-model-vae-encoder", """
        import keras
        from keras import layers

        latent_dim = 2

        def build_encoder():
            encoder_inputs = keras.Input(shape=(28, 28, 1))
            x = layers.Conv2D(32, 3, activation="relu", strides=2, padding="same")(encoder_inputs)
            x = layers.Conv2D(64, 3, activation="relu", strides=2, padding="same")(x)
            x = layers.Flatten()(x)
            x = layers.Dense(16, activation="relu")(x)
            z_mean = layers.Dense(latent_dim, name="z_mean")(x)
            z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
            return keras.Model(encoder_inputs, [z_mean, z_log_var], name="encoder")

        encoder = build_encoder()
    """, "def-returns-model"),
    K("model-as-layer", """
        import keras
        from keras import layers
        encoder_input = keras.Input(shape=(28, 28, 1), name="original_img")
        x = layers.Conv2D(16, 3, activation="relu")(encoder_input)
        x = layers.Conv2D(32, 3, activation="relu")(x)
        x = layers.MaxPooling2D(3)(x)
        x = layers.Conv2D(32, 3, activation="relu")(x)
        x = layers.Conv2D(16, 3, activation="relu")(x)
        encoder_output = layers.GlobalMaxPooling2D()(x)
        encoder = keras.Model(encoder_input, encoder_output, name="encoder")

        decoder_input = keras.Input(shape=(16,), name="encoded_img")
        x = layers.Reshape((4, 4, 1))(decoder_input)
        x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
        x = layers.Conv2DTranspose(32, 3, activation="relu")(x)
        x = layers.UpSampling2D(3)(x)
        x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
        decoder_output = layers.Conv2DTranspose(1, 3, activation="relu")(x)
        decoder = keras.Model(decoder_input, decoder_output, name="decoder")

        autoencoder_input = keras.Input(shape=(28, 28, 1), name="img")
        encoded_img = encoder(autoencoder_input)
        decoded_img = decoder(encoded_img)
        model = keras.Model(autoencoder_input, decoded_img, name="autoencoder")
    """, "model-as-layer"),
    K("sequential-as-layer-functional", """
        import keras
        from keras import layers
        head = keras.Sequential([layers.Dense(32, activation="relu"), layers.Dense(3)])
        inputs = keras.Input((12,))
        x = layers.Dense(16)(inputs)
        outputs = head(x)
        model = keras.Model(inputs, outputs)
    """, "model-as-layer"),
    K("ops-arith-residual", """
        import keras
        from keras import layers
        inputs = keras.Input((20,))
        x = layers.Dense(20, activation="relu")(inputs)
        x = x + inputs
        x = layers.Dense(20)(x) * 2.0
        model = keras.Model(inputs, layers.Dense(1)(x))
    """, "operator-merge"),
    K("dot-attention", """
        import keras
        from keras import layers
        q = keras.Input((5, 8))
        v = keras.Input((7, 8))
        att = layers.Attention()([layers.Dense(8)(q), layers.Dense(8)(v)])
        model = keras.Model([q, v], layers.Dense(2)(layers.GlobalAveragePooling1D()(att)))
    """, "attention"),
    K("dense-bn-relu-helper", """
        from tensorflow import keras
        from tensorflow.keras import layers

        def dense_bn(x, units):
            x = layers.Dense(units, use_bias=False)(x)
            x = layers.BatchNormalization()(x)
            return layers.ReLU()(x)

        inputs = keras.Input((40,))
        x = dense_bn(inputs, 64)
        x = dense_bn(x, 32)
        model = keras.Model(inputs, layers.Dense(1, activation="sigmoid")(x))
    """, "helper-def"),
    K("helper-returns-layer-call", """
        import keras
        from keras import layers

        def block(x):
            x = layers.Conv2D(16, 3, padding="same", activation="relu")(x)
            return layers.MaxPooling2D()(x)

        inp = keras.Input((32, 32, 3))
        out = layers.Dense(10)(layers.Flatten()(block(block(inp))))
        model = keras.Model(inp, out)
    """, "helper-def"),
    K("depthwise-separable-mobile-block", """
        import keras
        from keras import layers

        def dw_block(x, filters, stride):
            x = layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False)(x)
            x = layers.BatchNormalization()(x)
            x = layers.ReLU(6.0)(x)
            x = layers.Conv2D(filters, 1, use_bias=False)(x)
            x = layers.BatchNormalization()(x)
            return layers.ReLU(6.0)(x)

        inputs = keras.Input((96, 96, 3))
        x = layers.Conv2D(16, 3, strides=2, padding="same")(inputs)
        for f, s in [(32, 1), (64, 2), (64, 1), (128, 2)]:
            x = dw_block(x, f, s)
        x = layers.GlobalAveragePooling2D()(x)
        model = keras.Model(inputs, layers.Dense(4)(x))
    """, "helper-def"),
    K("squeeze-excite", """
        import keras
        from keras import layers
        inputs = keras.Input((16, 16, 32))
        se = layers.GlobalAveragePooling2D()(inputs)
        se = layers.Reshape((1, 1, 32))(se)
        se = layers.Dense(8, activation="relu")(se)
        se = layers.Dense(32, activation="sigmoid")(se)
        x = layers.multiply([inputs, se])
        model = keras.Model(inputs, x)
    """, "branch-multiply"),
    K("embedding-positional", """
        import keras
        from keras import layers, ops
        maxlen, vocab, dim = 40, 500, 16
        inputs = keras.Input((maxlen,))
        tok = layers.Embedding(vocab, dim)(inputs)
        pos = layers.Embedding(maxlen, dim)(ops.arange(maxlen))
        x = tok + pos
        x = layers.GlobalAveragePooling1D()(x)
        model = keras.Model(inputs, layers.Dense(2)(x))
    """, "multi-head-attention"),
    K("inputs-dict-outputs", """
        import keras
        from keras import layers
        num = keras.Input((3,), name="num")
        cat = keras.Input((1,), name="cat")
        e = layers.Flatten()(layers.Embedding(10, 4)(cat))
        x = layers.Concatenate()([num, e])
        model = keras.Model(inputs={"num": num, "cat": cat}, outputs=layers.Dense(1)(x))
    """, "multi-io"),
]

# A family of small residual MLPs and CNNs with varied widths: each a branch + merge pattern.
for i, (units, merge) in enumerate([(8, "Add"), (12, "Average"), (16, "Multiply"), (10, "Maximum"), (6, "Concatenate")]):
    CASES.append(K(f"merge-variant-{i}", f"""
        import keras
        from keras import layers
        inputs = keras.Input(({units * 2},))
        a = layers.Dense({units}, activation="relu")(inputs)
        b = layers.Dense({units})(layers.Dense({units + 4})(inputs))
        m = layers.{merge}()([a, b])
        outputs = layers.Dense(3)(m)
        model = keras.Model(inputs=inputs, outputs=outputs)
    """, {"Concatenate": "branch-concat", "Maximum": "branch-merge"}.get(merge, f"branch-{merge.lower()}")))

CASES += [
    K("nested-call-bn-act", """
        from tensorflow.keras import layers, Model, Input
        inp = Input(shape=(64, 64, 3))
        x = layers.Activation("relu")(layers.BatchNormalization()(layers.Conv2D(32, 3, padding="same")(inp)))
        x = layers.MaxPooling2D()(x)
        x = layers.Activation("relu")(layers.BatchNormalization()(layers.Conv2D(64, 3, padding="same")(x)))
        out = layers.Dense(6, activation="softmax")(layers.GlobalAveragePooling2D()(x))
        model = Model(inp, out)
    """, "nested-call"),
    K("inline-concat-nested-dense", """
        import keras
        from keras import layers
        user = keras.Input((1,))
        item = keras.Input((1,))
        u = layers.Flatten()(layers.Embedding(500, 16)(user))
        i = layers.Flatten()(layers.Embedding(300, 16)(item))
        out = layers.Dense(1)(layers.Dense(32, activation="relu")(layers.concatenate([u, i])))
        model = keras.Model([user, item], out)
    """, "inline-merge"),
    K("inline-add-in-return", """
        import keras
        from keras import layers

        def block(x, units):
            return layers.Activation("relu")(layers.Add()([x, layers.Dense(units)(x)]))

        inputs = keras.Input((24,))
        x = block(block(inputs, 24), 24)
        model = keras.Model(inputs, layers.Dense(2)(x))
    """, "inline-merge"),
    K("shared-dense-three-inputs", """
        import keras
        from keras import layers
        inputs = [keras.Input((8,)) for _ in range(3)]
        encoder = layers.Dense(4, activation="relu")
        encoded = [encoder(t) for t in inputs]
        out = layers.Dense(1)(layers.Average()(encoded))
        model = keras.Model(inputs=inputs, outputs=out)
    """, "shared-layer"),
    K("shared-conv-two-towers", """
        from tensorflow import keras
        from tensorflow.keras import layers
        left = keras.Input((28, 28, 1))
        right = keras.Input((28, 28, 1))
        conv = layers.Conv2D(8, 3, activation="relu")
        pool = layers.GlobalAveragePooling2D()
        merged = layers.concatenate([pool(conv(left)), pool(conv(right))])
        model = keras.Model(inputs=[left, right], outputs=layers.Dense(1, activation="sigmoid")(merged))
    """, "shared-layer"),
    K("lstm-return-state-sequences", """
        from keras.layers import Input, LSTM, Dense, Concatenate
        from keras.models import Model
        inp = Input(shape=(20, 3))
        seq, state_h, state_c = LSTM(24, return_sequences=True, return_state=True)(inp)
        last = LSTM(12)(seq, initial_state=None)
        out = Dense(1)(Concatenate()([last, state_h]))
        model = Model(inp, out)
    """, "tuple-unpack"),
    K("inception-naive", """
        import keras
        from keras import layers

        def naive_inception(x, f1, f3, f5):
            a = layers.Conv2D(f1, 1, padding="same", activation="relu")(x)
            b = layers.Conv2D(f3, 3, padding="same", activation="relu")(x)
            c = layers.Conv2D(f5, 5, padding="same", activation="relu")(x)
            d = layers.MaxPooling2D(3, strides=1, padding="same")(x)
            return layers.concatenate([a, b, c, d])

        inputs = keras.Input((32, 32, 3))
        x = naive_inception(inputs, 16, 16, 8)
        x = layers.MaxPooling2D()(x)
        x = naive_inception(x, 32, 32, 16)
        outputs = layers.Dense(10, activation="softmax")(layers.GlobalAveragePooling2D()(x))
        model = keras.Model(inputs, outputs)
    """, "inception-block"),
    K("resnet-identity-conv-blocks", """
        from tensorflow.keras.layers import Input, Conv2D, BatchNormalization, Activation, Add, ZeroPadding2D, MaxPooling2D, GlobalAveragePooling2D, Dense
        from tensorflow.keras.models import Model

        def identity_block(X, f, filters):
            F1, F2, F3 = filters
            X_shortcut = X
            X = Conv2D(F1, (1, 1), padding='valid')(X)
            X = BatchNormalization(axis=3)(X)
            X = Activation('relu')(X)
            X = Conv2D(F2, (f, f), padding='same')(X)
            X = BatchNormalization(axis=3)(X)
            X = Activation('relu')(X)
            X = Conv2D(F3, (1, 1), padding='valid')(X)
            X = BatchNormalization(axis=3)(X)
            X = Add()([X, X_shortcut])
            return Activation('relu')(X)

        def convolutional_block(X, f, filters, s=2):
            F1, F2, F3 = filters
            X_shortcut = X
            X = Conv2D(F1, (1, 1), strides=(s, s))(X)
            X = BatchNormalization(axis=3)(X)
            X = Activation('relu')(X)
            X = Conv2D(F2, (f, f), padding='same')(X)
            X = BatchNormalization(axis=3)(X)
            X = Activation('relu')(X)
            X = Conv2D(F3, (1, 1))(X)
            X = BatchNormalization(axis=3)(X)
            X_shortcut = Conv2D(F3, (1, 1), strides=(s, s))(X_shortcut)
            X_shortcut = BatchNormalization(axis=3)(X_shortcut)
            X = Add()([X, X_shortcut])
            return Activation('relu')(X)

        X_input = Input((64, 64, 3))
        X = ZeroPadding2D((3, 3))(X_input)
        X = Conv2D(64, (7, 7), strides=(2, 2))(X)
        X = BatchNormalization(axis=3)(X)
        X = Activation('relu')(X)
        X = MaxPooling2D((3, 3), strides=(2, 2))(X)
        X = convolutional_block(X, f=3, filters=[64, 64, 256], s=1)
        X = identity_block(X, 3, [64, 64, 256])
        X = identity_block(X, 3, [64, 64, 256])
        X = GlobalAveragePooling2D()(X)
        X = Dense(6, activation='softmax')(X)
        model = Model(inputs=X_input, outputs=X, name='ResNet50ish')
    """, "resnet-block"),
    K("multi-output-dict-losses", """
        import keras
        from keras import layers
        inputs = keras.Input((128,))
        trunk = layers.Dense(64, activation="relu")(layers.Dense(128, activation="relu")(inputs))
        cls = layers.Dense(5, activation="softmax", name="cls")(trunk)
        reg = layers.Dense(1, name="reg")(layers.Dense(16, activation="relu")(trunk))
        model = keras.Model(inputs=inputs, outputs={"cls": cls, "reg": reg})
    """, "multi-io"),
    K("lambda-slice-two", """
        import keras
        from keras import layers
        inputs = keras.Input((10,))
        left = layers.Lambda(lambda t: t[:, :4], output_shape=(4,))(inputs)
        right = layers.Lambda(lambda t: t[:, 4:], output_shape=(6,))(inputs)
        x = layers.concatenate([layers.Dense(3)(left), layers.Dense(3)(right)])
        model = keras.Model(inputs, layers.Dense(1)(x))
    """, "lambda"),
    K("operator-multiply-gate", """
        import keras
        from keras import layers
        inputs = keras.Input((16,))
        h = layers.Dense(16)(inputs)
        g = layers.Dense(16, activation="sigmoid")(inputs)
        x = h * g + inputs
        model = keras.Model(inputs, layers.Dense(1)(x))
    """, "operator-merge"),
    K("unet-loop", """
        import keras
        from keras import layers

        inputs = keras.Input((32, 32, 1))
        skips = []
        x = inputs
        for f in [8, 16]:
            x = layers.Conv2D(f, 3, padding="same", activation="relu")(x)
            skips.append(x)
            x = layers.MaxPooling2D()(x)
        x = layers.Conv2D(32, 3, padding="same", activation="relu")(x)
        for f, skip in zip([16, 8], reversed(skips)):
            x = layers.Conv2DTranspose(f, 2, strides=2, padding="same")(x)
            x = layers.concatenate([x, skip])
            x = layers.Conv2D(f, 3, padding="same", activation="relu")(x)
        outputs = layers.Conv2D(1, 1, activation="sigmoid")(x)
        model = keras.Model(inputs, outputs)
    """, "unet"),
    K("additive-attention", """
        import keras
        from keras import layers
        query = keras.Input((6, 16))
        value = keras.Input((9, 16))
        ctx = layers.AdditiveAttention()([query, value])
        model = keras.Model([query, value], layers.Dense(4)(layers.GlobalAveragePooling1D()(ctx)))
    """, "attention"),
]

CASES += [
    K("bindings-functional", """
        import keras
        from keras import layers
        inputs = keras.Input(shape=(img_size, img_size, channels))
        x = layers.Conv2D(filters, 3, activation="relu")(inputs)
        x = layers.GlobalAveragePooling2D()(x)
        outputs = layers.Dense(num_classes, activation="softmax")(x)
        model = keras.Model(inputs, outputs)
    """, "bindings", bindings={"img_size": 48, "channels": 3, "filters": 24, "num_classes": 7}),
]
