// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Public header kept at its old place: the host parameters live in Core/Engine.
#include "../Engine/HostParams.h"
