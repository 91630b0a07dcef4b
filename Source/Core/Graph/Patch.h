// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Public header kept at its old place: the patch model lives in Core/Patch.
#include "../Patch/Model.h"
